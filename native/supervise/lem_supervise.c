/*
 * lem-supervise PARENT_PID COMMAND [ARG...]
 *
 * Runs COMMAND so that it dies with lem: Linux's parent-death signal (prctl PR_SET_PDEATHSIG)
 * cannot be set for a child Node spawns, so lem spawns this instead (as the leader of the
 * child's process group). It asks the kernel for SIGUSR1 when lem dies, forks COMMAND into the
 * same group, and on that signal kills the whole group with SIGKILL: a SIGKILLed lem leaves no
 * engine measuring beside the next study. Otherwise it is transparent: lem's group signals
 * reach COMMAND (this process ignores them and waits), and it exits as COMMAND did (same code,
 * or the same signal). File descriptors pass to COMMAND untouched; this process closes its
 * own copy of fd 3 (the protocol channel), so that only COMMAND holds it open.
 *
 * The parent-death signal fires when the *thread* that forked this process ends: lem spawns
 * children from Node's main thread, which lives as long as lem.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t lem_pid;

/* Async-signal-safe: getppid and kill only. */
static void on_parent_death(int sig) {
  (void)sig;
  if (getppid() != lem_pid) kill(0, SIGKILL); /* the whole group, this process included */
}

static const int relayed[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

int main(int argc, char **argv) {
  /* lem checks that the executable runs here (a prebuilt one may need a newer glibc). */
  if (argc == 2 && strcmp(argv[1], "--check") == 0) {
    puts("lem-supervise ok");
    return 0;
  }
  if (argc < 3) {
    fprintf(stderr, "usage: lem-supervise PARENT_PID COMMAND [ARG...]\n");
    return 64;
  }
  lem_pid = (pid_t)strtol(argv[1], NULL, 10);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_parent_death;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0) {
    fprintf(stderr, "lem-supervise: prctl(PR_SET_PDEATHSIG): %s\n", strerror(errno));
    return 70;
  }
  /* lem may have died before the prctl took effect. */
  if (getppid() != lem_pid) return 137;

  /* Signals lem sends the group are for COMMAND: this process waits for it to end. */
  for (size_t i = 0; i < sizeof relayed / sizeof relayed[0]; i++) signal(relayed[i], SIG_IGN);

  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "lem-supervise: fork: %s\n", strerror(errno));
    return 70;
  }
  if (child == 0) {
    /* Ignored dispositions survive exec: give COMMAND the defaults back. */
    for (size_t i = 0; i < sizeof relayed / sizeof relayed[0]; i++) signal(relayed[i], SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    execvp(argv[2], &argv[2]);
    fprintf(stderr, "lem-supervise: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  close(3);

  int status;
  for (;;) {
    pid_t r = waitpid(child, &status, 0);
    if (r == child) break;
    if (r < 0 && errno != EINTR) return 70;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  int sig = WTERMSIG(status);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  return 128 + sig;
}

#!/usr/bin/env bash
# Stops the test cluster under ROOT: first its jobs (scancel, then any process left of them:
# slurmstepd and the jobs' children outlive slurmd), then the daemons, by the pids in ROOT/run
# (never by name: another cluster, or a user's, may run on the same machine).
ROOT=$1
CONF=$ROOT/etc/slurm.conf
if [ -f "$ROOT/run/slurmctld.pid" ] && kill -0 "$(cat "$ROOT/run/slurmctld.pid")" 2>/dev/null; then
  jobs=$(SLURM_CONF=$CONF squeue -h -o %A 2>/dev/null | sort -u)
  [ -n "$jobs" ] && SLURM_CONF=$CONF scancel --full --quiet $jobs 2>/dev/null
  for _ in $(seq 1 20); do [ -z "$(SLURM_CONF=$CONF squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.25; done
fi
# What is left of this cluster's jobs: processes whose environment names this cluster's config.
for env in /proc/[0-9]*/environ; do
  pid=${env#/proc/}; pid=${pid%/environ}
  [ "$pid" = $$ ] && continue
  if tr '\0' '\n' < "$env" 2>/dev/null | grep -qx "SLURM_CONF=$CONF"; then kill -9 "$pid" 2>/dev/null || true; fi
done
for d in slurmd slurmctld munged; do
  f="$ROOT/run/$d.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
done
exit 0

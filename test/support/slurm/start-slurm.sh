#!/usr/bin/env bash
# A real single-node Slurm for lem's tests: munged, slurmctld and slurmd started by hand, all
# state under ROOT, all traffic on 127.0.0.1, two fake GPUs through GRES (character devices,
# so that Slurm sets CUDA_VISIBLE_DEVICES). Needs root, slurm-wlm and munge.
# Usage: start-slurm.sh ROOT CTLD_PORT SLURMD_PORT MAX_ARRAY_SIZE
# Stop with stop-slurm.sh ROOT (by the pids in ROOT/run, never by name).
set -euo pipefail
ROOT=$1 CTLD_PORT=$2 SLURMD_PORT=$3 MAX_ARRAY=${4:-1001}
H=$(hostname -s)
mkdir -p "$ROOT"/{etc,munge,state,spool/slurmd,log,run,dev}
chmod 755 "$ROOT/munge"
for i in 0 1; do [ -e "$ROOT/dev/nvidia$i" ] || mknod "$ROOT/dev/nvidia$i" c 195 "$i"; done
mungekey -c -k "$ROOT/munge/munge.key" >/dev/null 2>&1 || mungekey -c -f -k "$ROOT/munge/munge.key"
chmod 600 "$ROOT/munge/munge.key"
munged --force -S "$ROOT/munge/munge.socket.2" --key-file="$ROOT/munge/munge.key" \
  --log-file="$ROOT/log/munged.log" --pid-file="$ROOT/run/munged.pid" --seed-file="$ROOT/munge/munged.seed"

cat > "$ROOT/etc/slurm.conf" <<CONF
ClusterName=lemtest
SlurmctldHost=$H(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$ROOT/munge/munge.socket.2
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
StateSaveLocation=$ROOT/state
SlurmdSpoolDir=$ROOT/spool/slurmd
SlurmctldPidFile=$ROOT/run/slurmctld.pid
SlurmdPidFile=$ROOT/run/slurmd.pid
SlurmctldLogFile=$ROOT/log/slurmctld.log
SlurmdLogFile=$ROOT/log/slurmd.log
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=300
KillWait=5
MaxArraySize=$MAX_ARRAY
NodeName=$H NodeAddr=127.0.0.1 NodeHostname=$H CPUs=2 RealMemory=2000 Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
cat > "$ROOT/etc/gres.conf" <<CONF
AutoDetect=off
NodeName=$H Name=gpu File=$ROOT/dev/nvidia[0-1]
CONF

export SLURM_CONF=$ROOT/etc/slurm.conf
slurmctld -i
slurmd
for _ in $(seq 1 120); do
  [ "$(sinfo -h -N -o %T 2>/dev/null)" = idle ] && exit 0
  sleep 0.25
done
echo "start-slurm.sh: the node did not become idle within 30 s" >&2
for f in slurmctld slurmd munged; do echo "--- $f.log" >&2; tail -n 15 "$ROOT/log/$f.log" >&2 2>/dev/null || true; done
exit 1

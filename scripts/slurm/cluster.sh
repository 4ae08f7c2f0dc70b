#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the Slurm test (test/cli/slurm.test.ts) and for trying
# `tear-ssl sweep --slurm` by hand. Needs root and Debian's slurm-wlm and munge packages
# (apt-get install -y slurm-wlm munge). Everything (config, munge key and socket, state, logs, pid files)
# lives in one folder, $TEAR_SLURM_DIR (default /tmp/tear-ssl-slurm); nothing under /etc is touched.
#
#   bash scripts/slurm/cluster.sh start    # munged, slurmctld, slurmd; waits until the node is idle
#   export SLURM_CONF=/tmp/tear-ssl-slurm/slurm.conf   # (start prints it) for sbatch, squeue, the test
#   bash scripts/slurm/cluster.sh status
#   bash scripts/slurm/cluster.sh stop     # stops the three daemons by their pid files
set -euo pipefail

DIR="${TEAR_SLURM_DIR:-/tmp/tear-ssl-slurm}"
CONF="$DIR/slurm.conf"
NODE="$(hostname -s)"
CPUS="$(nproc)"
DAEMONS=(slurmd slurmctld munged)

pid_of() { # a daemon's pid from its pid file, if that process is alive
  local file="$DIR/$1.pid"
  [[ -s "$file" ]] || return 1
  local pid
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

write_config() {
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/munge"
  chmod 700 "$DIR/munge"
  # Memory in MB as Slurm counts it (RealMemory); a little under the total so slurmd accepts the node.
  local mem
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  cat >"$CONF" <<EOF
# Written by scripts/slurm/cluster.sh: a one-node test cluster, state in $DIR.
ClusterName=tearssl
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: also how long a requeued job waits before it may start again (default 120 s)
AuthInfo=socket=$DIR/munge/munge.socket,cred_expire=10
SlurmctldPort=${TEAR_SLURM_PORT:-6817}
SlurmdPort=$(( ${TEAR_SLURM_PORT:-6817} + 1 ))
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# Schedule every 2 s (default 60 and 30 s): a requeued task starts again soon after it is eligible.
SchedulerParameters=sched_interval=2,bf_interval=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
MpiDefault=none
# Seconds between SIGTERM and SIGKILL when a job is cancelled, requeued or preempted: the time a
# tear-ssl cell has to finish its step and write a checkpoint.
KillWait=30
MinJobAge=60
NodeName=$NODE CPUs=$CPUS RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  if [[ "$(id -u)" != 0 ]]; then echo "cluster.sh: start needs root (the daemons run as root)" >&2; exit 1; fi
  for bin in munged mungekey slurmctld slurmd scontrol sinfo; do
    command -v "$bin" >/dev/null || { echo "cluster.sh: $bin not found: apt-get install -y slurm-wlm munge" >&2; exit 1; }
  done
  if ! pid_of slurmctld >/dev/null; then rm -rf "$DIR/state" "$DIR/spool"; fi  # a fresh cluster: no jobs left from before
  write_config
  if ! pid_of munged >/dev/null; then
    [[ -s "$DIR/munge/munge.key" ]] || mungekey --create --keyfile="$DIR/munge/munge.key"
    chmod 600 "$DIR/munge/munge.key"
    munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
      --pid-file="$DIR/munged.pid" --log-file="$DIR/munged.log" --seed-file="$DIR/munge/munged.seed"
  fi
  export SLURM_CONF="$CONF"
  pid_of slurmctld >/dev/null || slurmctld -f "$CONF"
  pid_of slurmd >/dev/null || slurmd -f "$CONF"
  # Wait (at most a minute) for the node to come up.
  for _ in $(seq 60); do
    state="$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)"
    if [[ "$state" == idle* || "$state" == mixed* || "$state" == allocated* ]]; then
      echo "slurm: node $NODE ($CPUS CPUs) is $state; state in $DIR"
      echo "export SLURM_CONF=$CONF"
      return 0
    fi
    sleep 1
  done
  echo "cluster.sh: the node did not come up (state '${state:-none}'); see $DIR/slurmctld.log and $DIR/slurmd.log" >&2
  tail -n 20 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 || true
  exit 1
}

stop() {
  for d in "${DAEMONS[@]}"; do
    if pid="$(pid_of "$d")"; then
      kill "$pid"
      for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
      echo "stopped $d ($pid)"
    fi
    rm -f "$DIR/$d.pid"
  done
}

status() {
  local up=0
  for d in "${DAEMONS[@]}"; do
    if pid="$(pid_of "$d")"; then echo "$d: running ($pid)"; else echo "$d: not running"; up=1; fi
  done
  [[ $up == 0 ]] && SLURM_CONF="$CONF" sinfo
  return $up
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status   (state in \$TEAR_SLURM_DIR, default /tmp/tear-ssl-slurm)" >&2; exit 2 ;;
esac

# Shared by the install scripts (sourced): `log MSG` to stderr with the script's name, and `quiet CMD...`, which hides
# a command's output unless it fails (or VERBOSE=1) and then prints the tail of its log.
log() { echo "$(basename "$0" .sh): $*" >&2; }
quiet() {
  local logfile
  logfile="$(mktemp)"
  if [[ ${VERBOSE:-0} == 1 ]]; then "$@"; rm -f "$logfile"; return; fi
  if ! "$@" >"$logfile" 2>&1; then
    log "FAILED: $*"
    tail -n 40 "$logfile" >&2
    rm -f "$logfile"
    return 1
  fi
  rm -f "$logfile"
}

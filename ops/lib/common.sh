# Shared helpers for the ops/ test scripts (netns-campaign, chaos, bench-scaling). Source it, do not run it.
# Every helper that starts something registers it for cleanup, so a script's EXIT trap (vs_cleanup) undoes
# everything it did, in reverse order, even when it fails half way.

# The repository root (ops/lib/..).
VS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VS_SCRIPT=${VS_SCRIPT:-$(basename "$0")}

# Prints the calling script's leading comment block (after the #! line) as its --help.
vs_usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

vs_log() { printf '%s %s: %s\n' "$(date -u +%H:%M:%S)" "$VS_SCRIPT" "$*" >&2; }
vs_die() { vs_log "ERROR: $*"; exit 1; }

# --- cleanup stack ----------------------------------------------------------------------------------------
# Commands pushed here run last-in first-out from vs_cleanup; each is allowed to fail.
VS_CLEANUPS=()
vs_on_exit() { VS_CLEANUPS+=("$1"); }
vs_cleanup() {
  local i
  for ((i = ${#VS_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${VS_CLEANUPS[$i]}" >/dev/null 2>&1 || true
  done
  VS_CLEANUPS=()
}

# Kills one process we started (by pid) and waits a little for it to go: TERM, then KILL.
vs_kill_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# SIGKILLs PID only if it is still the program we started (its command line contains WHAT): a pid that was
# reused by someone else's process after ours exited is left alone.
vs_kill_ours() {
  local pid=$1 what=$2
  [ -r "/proc/$pid/cmdline" ] || return 0
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$what" || return 0
  kill -KILL "$pid" 2>/dev/null || true
}

# --- binaries ---------------------------------------------------------------------------------------------
# Reuses an existing release build (VIROSCOPE_BIN_DIR or .build/release) when it has every executable; builds
# otherwise. Sets VS_BIN.
vs_need_build() {
  local dir=${VIROSCOPE_BIN_DIR:-$VS_ROOT/.build/release} exe missing=0
  for exe in viroscope viroscope-coordinator viroscope-worker viroscope-report; do
    [ -x "$dir/$exe" ] || missing=1
  done
  if [ "$missing" -eq 1 ]; then
    [ -z "${VIROSCOPE_BIN_DIR:-}" ] || vs_die "VIROSCOPE_BIN_DIR=$dir lacks the viroscope executables"
    vs_log "no release build found: building (swift build -c release; several minutes)"
    (cd "$VS_ROOT" && swift build -c release) >&2 || vs_die "release build failed"
    dir=$(cd "$VS_ROOT" && swift build -c release --show-bin-path)
  fi
  VS_BIN=$dir
}

# --- PostgreSQL -------------------------------------------------------------------------------------------
vs_pg_bindir() {
  local dir
  dir=$(pg_config --bindir 2>/dev/null || true)
  [ -x "$dir/initdb" ] || dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$dir/initdb" ] || vs_die "PostgreSQL server binaries not found; run ops/install-deps"
  echo "$dir"
}

# initdb and postgres refuse root.
vs_as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# psql against a URL: quiet, tuples only, unaligned, stop on error. Usage: vs_sql URL "SQL" [psql args...]
# VS_PSQL_PREFIX (an array, e.g. (ip netns exec vs-db)) runs psql through a wrapper.
VS_PSQL_PREFIX=()
vs_sql() {
  local url=$1 sql=$2; shift 2
  "${VS_PSQL_PREFIX[@]}" env PGOPTIONS='-c client_min_messages=warning' \
    psql -X -q -tA -v ON_ERROR_STOP=1 -d "$url" -c "$sql" "$@"
}

# A fresh database DB on the cluster of URL (dropped first if it exists); prints the new database's URL.
vs_fresh_database() {
  local url=$1 name=$2
  vs_sql "$url" "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
  vs_sql "$url" "CREATE DATABASE $name" >/dev/null
  echo "${url%/*}/$name"
}

# --- campaigns --------------------------------------------------------------------------------------------
# Synthesises a campaign once and keeps it in a cache folder keyed by its arguments, so repeated runs do not
# pay for it again. Usage: vs_synth DIR SYNTH-ARGS...   (DIR is created; reused when complete)
vs_synth() {
  local dir=$1; shift
  if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$*" ]; then
    vs_log "reusing synthetic campaign $dir ($*)"
    return 0
  fi
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  vs_log "synthesising campaign into $dir ($*)"
  "$VS_BIN/viroscope" synth --out "$dir" "$@" >&2 || vs_die "viroscope synth failed"
  echo "$*" > "$dir/.complete"
}

# The per-well figures of a report (viroscope-report --format json) that must not depend on how the work was
# scheduled. Fails (jq error) if a well lacks its counts, so a renamed key cannot make two reports "equal".
vs_report_wells() {
  jq -S '[.wells[] | {plate, well, imageSets, imageSetsDone, errors, nuclei, infected, infectionRate,
                      reporterPositiveRate}
          | if (.nuclei | type) != "number" or (.infected | type) != "number" or (.imageSets | type) != "number"
            then error("report well without counts: \(.)") else . end]
         | sort_by(.plate, .well)'
}

# The whole report without its generation time: identical for two runs of the same campaign unless
# aggregation order changes floating-point sums (informational).
vs_report_all() { jq -S 'del(.campaign.generatedAt)'; }

# Audits a campaign's results in the database at URL. Prints key=value lines:
#   image_sets results missing extra_results nuclei_rows nuclei_sum nuclei_mismatch_sets jobs_running
#   jobs_pending jobs_discarded jobs_succeeded rescued_attempts image_errors foreign_results results_by_worker
# foreign_results: rows whose job did not succeed or was last claimed by another worker than the one that
# wrote them; a broken completion fence would show up here, since the primary keys hide plain duplicates.
vs_audit() {
  local url=$1 campaign=$2
  vs_sql "$url" "
    WITH c AS (SELECT id FROM campaigns WHERE name = '$campaign'),
    sets AS (SELECT s.id FROM image_sets s JOIN wells w ON w.id = s.well_id JOIN plates p ON p.id = w.plate_id
             WHERE p.campaign_id = (SELECT id FROM c)),
    per_set AS (SELECT s.id, (SELECT count(*) FROM image_results r WHERE r.image_set_id = s.id) AS n FROM sets s),
    nuc AS (SELECT image_set_id, count(*) AS n FROM nuclei WHERE image_set_id IN (SELECT id FROM sets) GROUP BY 1)
    SELECT 'image_sets=' || (SELECT count(*) FROM sets)
      || E'\nresults=' || (SELECT count(*) FROM image_results WHERE image_set_id IN (SELECT id FROM sets))
      || E'\nmissing=' || (SELECT count(*) FROM per_set WHERE n = 0)
      || E'\nextra_results=' || (SELECT coalesce(sum(n - 1), 0) FROM per_set WHERE n > 1)
      || E'\nnuclei_rows=' || (SELECT coalesce(sum(n), 0) FROM nuc)
      || E'\nnuclei_sum=' || (SELECT coalesce(sum(nuclei), 0) FROM image_results WHERE image_set_id IN (SELECT id FROM sets))
      || E'\nnuclei_mismatch_sets=' || (SELECT count(*) FROM image_results r LEFT JOIN nuc ON nuc.image_set_id = r.image_set_id
                                        WHERE r.image_set_id IN (SELECT id FROM sets) AND r.error IS NULL
                                          AND r.nuclei <> coalesce(nuc.n, 0))
      || E'\nimage_errors=' || (SELECT count(*) FROM image_results WHERE image_set_id IN (SELECT id FROM sets) AND error IS NOT NULL)
      || E'\njobs_total=' || (SELECT count(*) FROM jobs WHERE campaign_id = (SELECT id FROM c))
      || E'\njobs_running=' || (SELECT count(*) FROM jobs WHERE campaign_id = (SELECT id FROM c) AND state = 'running')
      || E'\njobs_pending=' || (SELECT count(*) FROM jobs WHERE campaign_id = (SELECT id FROM c) AND state IN ('available', 'retryable'))
      || E'\njobs_discarded=' || (SELECT count(*) FROM jobs WHERE campaign_id = (SELECT id FROM c) AND state IN ('discarded', 'cancelled'))
      || E'\njobs_succeeded=' || (SELECT count(*) FROM jobs WHERE campaign_id = (SELECT id FROM c) AND state = 'succeeded')
      || E'\nrescued_attempts=' || (SELECT count(*) FROM jobs, jsonb_array_elements(errors) e
                                    WHERE campaign_id = (SELECT id FROM c) AND e->>'error' = 'lease expired')
      || E'\nforeign_results=' || (SELECT count(*) FROM image_results r JOIN jobs j ON j.id = r.job_id
                                   WHERE r.image_set_id IN (SELECT id FROM sets)
                                     AND (j.state <> 'succeeded' OR r.worker_id IS DISTINCT FROM j.worker_id))
      || E'\nresults_by_worker=' || coalesce((SELECT string_agg(worker_id || ':' || n, ',' ORDER BY worker_id)
                                    FROM (SELECT worker_id, count(*) AS n FROM image_results
                                          WHERE image_set_id IN (SELECT id FROM sets) GROUP BY 1) t), '')
  "
}

# Reads one key from vs_audit output. Usage: vs_get KEY <<< "$audit"
vs_get() { sed -n "s/^$1=//p"; }

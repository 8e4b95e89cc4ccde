# Shared by every tests/*.bats file: libraries, PATH to the programs under
# test, fixtures, and a wr-serve started on loopback for the tests that need one.

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
FIX=$TOP/tests/fixtures
WR_BIN=${WR_BIN:-$TOP/build/bin}
PATH=$WR_BIN:$PATH
export LC_ALL=C.UTF-8
unset WR_MODEL OPENAI_API_KEY OPENAI_BASE_URL
# Under "make -jN check" the outer make's flags would reach the makes the
# tests run, which then warn on stderr ("-j3 forced in submake: resetting
# jobserver mode") and change what the tests capture.
unset MAKEFLAGS MFLAGS MAKELEVEL

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# wait_for [-p PID] WHAT CMD...: poll CMD every 10 ms until it succeeds; after
# about 10 s, or as soon as process PID (when given) has exited, fail saying
# that WHAT never happened. Every test that waits for something waits here.
wait_for() {
	local tries=0 pid=
	if [ "$1" = -p ]; then pid=$2; shift 2; fi
	local what=$1
	shift
	until "$@"; do
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			echo "wait_for: process $pid exited before $what" >&2
			return 1
		fi
		tries=$((tries + 1))
		[ "$tries" -lt 1000 ] || { echo "wait_for: no $what after 10 s" >&2; return 1; }
		sleep 0.01
	done
}

# wait_port FILE PID: wait until the server PID, started with its stdout in
# FILE, has printed its port there.
wait_port() {
	wait_for -p "$2" "port in $1" grep -qs '^[0-9][0-9]*$' "$1"
}

# start_serve [wr-serve options...]: start wr-serve on a free loopback port;
# sets SERVE_PID, SERVE_PORT and SERVE_URL (the /v1 base URL).
start_serve() {
	local portfile
	portfile=$(mktemp "${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-/tmp}}/port.XXXXXX")
	wr-serve -q -p 0 "$@" > "$portfile" 3>&- &
	SERVE_PID=$!
	wait_port "$portfile" "$SERVE_PID" || return 1
	SERVE_PORT=$(head -n 1 "$portfile")
	SERVE_URL=http://127.0.0.1:$SERVE_PORT/v1
	export SERVE_PID SERVE_PORT SERVE_URL
}

# stop_serve: stop the wr-serve this test file started, by its PID.
stop_serve() {
	if [ -n "${SERVE_PID:-}" ]; then
		kill -TERM "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
		SERVE_PID=
	fi
}

# ---- Tests as data: the tests/data/*.cases files ----
#
# A cases file holds cases separated by blank lines; lines starting with #
# are comments. Each line of a case is KEY: VALUE, and the case starts with
# its name ("name: a sentence"). A driver calls run_cases FILE KEY..., which
# hands each case to the driver's case_run with C[KEY] holding the case's
# values of KEY, one per line, in order ("KEY:" alone is an empty line), and
# HAS[KEY] set for each key the case gives. case_run compares what it ran
# with case_check; run_cases then fails the test, naming each case that went
# wrong (file, line and name) and how, and also fails when it ran fewer
# cases than the file names.

declare -gA C HAS

# case_text KEY: the lines of KEY through printf %b (\t a tab, \\ a backslash).
case_text() {
	[ -z "${HAS[$1]:-}" ] || printf '%b' "${C[$1]}"
}

# case_check WHAT EXPECTED GOT: note a mismatch as a diff, expected first.
case_check() {
	[ "$2" != "$3" ] || return 0
	CASE_BAD+="  $1 differs (-expected +got):"$'\n'
	CASE_BAD+=$(diff -u --label expected --label got <(printf '%s\n' "$2") <(printf '%s\n' "$3") | tail -n +3 | sed 's/^/    /')
	CASE_BAD+=$'\n'
}

# run_cases FILE KEY...: run every case of FILE through case_run (above).
run_cases() {
	local file=$1 line n=0 key val name= at= failures= ncases=0 k
	local -A known
	shift
	for k in name "$@"; do known[$k]=1; done
	C=() HAS=()
	_case_end() {
		[ -n "$name" ] || return 0
		ncases=$((ncases + 1))
		CASE_BAD=
		case_run < /dev/null
		[ -z "$CASE_BAD" ] || failures+="${file#"$TOP"/}:$at: case \"$name\""$'\n'"$CASE_BAD"
	}
	while IFS= read -r -u 4 line || [ -n "$line" ]; do
		n=$((n + 1))
		case $line in
		'#'*) continue ;;
		'') _case_end; name= C=() HAS=(); continue ;;
		*:*) ;;
		*) failures+="${file#"$TOP"/}:$n: not KEY: VALUE: $line"$'\n'; continue ;;
		esac
		key=${line%%:*} val=${line#*:} val=${val# }
		if [ -z "${known[$key]:-}" ]; then
			failures+="${file#"$TOP"/}:$n: unknown key: $key"$'\n'
			continue
		fi
		if [ "$key" = name ]; then name=$val at=$n; fi
		if [ -n "${HAS[$key]:-}" ]; then C[$key]+=$'\n'$val; else C[$key]=$val; fi
		HAS[$key]=1
	done 4< "$file"
	_case_end
	[ "$ncases" -eq "$(grep -c '^name: ' "$file")" ] ||
	    failures+="${file#"$TOP"/}: ran $ncases cases of $(grep -c '^name: ' "$file")"$'\n'
	[ -z "$failures" ] || fail "$failures"
}

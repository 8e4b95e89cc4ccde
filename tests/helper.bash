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

# wait_port FILE PID: wait (at most about 10 s) until the server PID, started
# with its stdout in FILE, has printed its port there; fail, saying why, if
# it exits first or prints none.
wait_port() {
	local tries=0
	until grep -q '^[0-9][0-9]*$' "$1" 2>/dev/null; do
		kill -0 "$2" 2>/dev/null || { echo "server $2 exited before printing a port in $1" >&2; return 1; }
		tries=$((tries + 1))
		[ "$tries" -lt 500 ] || { echo "server $2 printed no port in $1" >&2; return 1; }
		sleep 0.02
	done
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

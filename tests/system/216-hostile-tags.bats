#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# A hostile registry's tag list (pull --all-tags): entries that are not tags, a null among
# them, are refused with one clean error instead of crashing the pull or being pulled and
# stored as names. The registry is a few lines of Python serving /v2/ and the tag list.

load helpers

setup() {
	hutch_isolate
	PORT=$(free_port)
	TAGS_FILE=$BATS_TEST_TMPDIR/tags.json
	cat >"$BATS_TEST_TMPDIR/reg.py" <<'PY'
import http.server, sys
port, tags = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open(tags, "rb").read() if self.path.endswith("/tags/list") else b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
	python3 "$BATS_TEST_TMPDIR/reg.py" "$PORT" "$TAGS_FILE" </dev/null >/dev/null 2>&1 3>&- &
	SERVER_PID=$!
	echo '{}' >"$TAGS_FILE"
	fetch "http://127.0.0.1:$PORT/v2/" >/dev/null
}

teardown() {
	kill "$SERVER_PID" 2>/dev/null || true
}

@test "hostile tag list: a null or a non-tag in the list is one clean error" {
	local tags
	for tags in '[null]' '["v1", 5]' '["../../x"]' '["a b"]' '[""]'; do
		echo "{\"name\": \"x\", \"tags\": $tags}" >"$TAGS_FILE"
		run_hutch 125 pull -q --all-tags --tls-verify=false "127.0.0.1:$PORT/x"
		assert_equal "${#stderr_lines[@]}" 1
		[[ $stderr == "Error: pulling 127.0.0.1:$PORT/x"*": tag list: entry "[01]" is not a tag" ]] ||
			fail "unexpected: $stderr"
	done
	run_hutch images -q
	assert_output ""
}

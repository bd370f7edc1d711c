#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The breakout matrix of unpack and cp, in the style of containerd's TestBreakouts: one
# table of hostile archives (absolute and climbing names, links out, a link then a file or a
# directory through it, in one layer or across two, whiteouts with traversal, hard links
# out), each fed to every way hutch writes an archive's entries:
#   unpack  the rows' layers as an image, pulled (storage/unpack.c; load and import store
#           their layers the same way, store_import_layer)
#   cp-out  a container made from that image, copied out whole to a host directory
#           (oci/engine/tarcopy.c, container to host)
#   cp-in   each layer as a tar stream into a running container: cp - CTR:/DIR (host to
#           container, the same extractor)
# and after each, nothing landed or changed outside the root: the victim directory on the
# host (its file's content, mode and link count, no new entry) and no file named pwned*
# outside a layer, a container or a copy's destination. Each row also says what hutch does
# with it, per sink: refuse:TEXT (exit 125, one "Error:" line with TEXT), inside:PATH (done,
# and PATH is there inside the root) or ok (done).

load container_helpers
load storage_helpers

# The archive mkimage.py would make a layer of, uncompressed: tar_of JSON FILE
tar_of() {
	python3 - "$HUTCH_TOP/tests/fixtures" "$1" "$2" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import mkimage
with open(sys.argv[3], "wb") as fh:
    fh.write(mkimage.tar_of_entries(json.loads(sys.argv[2])))
PY
}

# The victim is untouched and no pwned* file is outside a root: assert_contained ROW SINK
assert_contained() {
	local where="row $1, $2" f
	[[ $(ls -A "$VICTIM") == secret ]] || fail "$where: the victim dir holds: $(ls -A "$VICTIM")"
	[[ $(cat "$VICTIM/secret") == victim ]] || fail "$where: the victim's content changed"
	[[ $(stat -c '%a %h' "$VICTIM/secret") == "600 1" ]] ||
		fail "$where: the victim is now $(stat -c '%a %h' "$VICTIM/secret")"
	while IFS= read -r f; do
		case $f in
		"$(store)"/layers/*/diff/* | "$(store)"/containers/*/upper/* | "$OUT"/*) ;;
		*) fail "$where: $f is outside every root" ;;
		esac
	done < <(find "$BATS_TEST_TMPDIR" -path "$(store)/containers/*/work" -prune -o -name 'pwned*' -print)
}

# check_outcome ROW SINK EXPECT STATUS STDERR [TEST-CMD...]: the expectation met; the
# command after STDERR checks an inside:PATH, with the path appended.
check_outcome() {
	local row=$1 sink=$2 expect=$3 status=$4 err=$5
	shift 5
	case $expect in
	refuse:*)
		((status == 125)) || fail "row $row, $sink: status $status, expected a refusal"
		[[ $err != *$'\n'* && $err == "Error: "*"${expect#refuse:}"* ]] ||
			fail "row $row, $sink: refused with \"$err\", expected \"${expect#refuse:}\""
		;;
	inside:* | ok)
		((status == 0)) || fail "row $row, $sink: status $status ($err), expected success"
		if [[ $expect == inside:* ]]; then
			"$@" "${expect#inside:}" || fail "row $row, $sink: ${expect#inside:} is not inside"
		fi
		;;
	*) fail "row $row: bad expectation $expect" ;;
	esac
}

# exists_in DIR PATH: PATH (not followed) exists below DIR
exists_in() {
	[[ -e $1/$2 || -L $1/$2 ]]
}

# in_layers PATH: PATH (not followed) is in one of the store's layers
in_layers() {
	local d
	for d in "$(store)"/layers/*/diff; do
		exists_in "$d" "$1" && return 0
	done
	return 1
}

@test "breakout matrix: hostile archives through unpack, cp out and cp in stay inside the root" {
	VICTIM=$BATS_TEST_TMPDIR/victim
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$VICTIM" "$OUT"
	echo victim >"$VICTIM/secret"
	chmod 0600 "$VICTIM/secret"
	local V=$VICTIM UP
	UP=$(printf '../%.0s' {1..24})
	# One row a line: name, layers (one or two lists of mkimage.py entries), and what
	# unpack, cp-out (only when unpack succeeds) and cp-in do with them.
	local rows
	rows=$(
		cat <<EOF
{"row": "absolute-name", "layers": [[{"name": "$V/pwned", "data": "x"}]],
 "unpack": "inside:$V/pwned", "cpout": "inside:$V/pwned", "cpin": "inside:$V/pwned"}
{"row": "absolute-name-at-top", "layers": [[{"name": "/pwned", "data": "x"}]],
 "unpack": "inside:pwned", "cpout": "inside:pwned", "cpin": "inside:pwned"}
{"row": "climbing-name", "layers": [[{"name": "$UP$V/pwned", "data": "x"}]],
 "unpack": "refuse:would leave the layer", "cpin": "refuse:leaves the destination"}
{"row": "climbing-inside-name", "layers": [[{"name": "a/", "type": "dir"}, {"name": "a/../../pwned", "data": "x"}]],
 "unpack": "refuse:would leave the layer", "cpin": "refuse:leaves the destination"}
{"row": "dot-climbing-name", "layers": [[{"name": "./../pwned", "data": "x"}]],
 "unpack": "refuse:would leave the layer", "cpin": "refuse:leaves the destination"}
{"row": "climbing-dir", "layers": [[{"name": "../", "type": "dir"}]],
 "unpack": "refuse:would leave the layer", "cpin": "refuse:leaves the destination"}
{"row": "absolute-link-then-file", "layers": [[{"name": "l", "type": "symlink", "target": "$V"}, {"name": "l/pwned", "data": "x"}]],
 "unpack": "refuse:No such file or directory", "cpin": "refuse:Invalid cross-device link"}
{"row": "climbing-link-then-file", "layers": [[{"name": "l", "type": "symlink", "target": "$UP$V"}, {"name": "l/pwned", "data": "x"}]],
 "unpack": "refuse:No such file or directory", "cpin": "refuse:Invalid cross-device link"}
{"row": "parent-link-then-file", "layers": [[{"name": "l", "type": "symlink", "target": ".."}, {"name": "l/pwned", "data": "x"}]],
 "unpack": "inside:pwned", "cpout": "inside:pwned", "cpin": "refuse:Invalid cross-device link"}
{"row": "inner-parent-link-then-file", "layers": [[{"name": "d/", "type": "dir"}, {"name": "d/l", "type": "symlink", "target": "../"}, {"name": "d/l/pwned", "data": "x"}]],
 "unpack": "inside:pwned", "cpout": "inside:pwned", "cpin": "inside:pwned"}
{"row": "link-chain-then-file", "layers": [[{"name": "a", "type": "symlink", "target": "b"}, {"name": "b", "type": "symlink", "target": "$V"}, {"name": "a/pwned", "data": "x"}]],
 "unpack": "refuse:No such file or directory", "cpin": "refuse:Invalid cross-device link"}
{"row": "link-loop-then-file", "layers": [[{"name": "a", "type": "symlink", "target": "a"}, {"name": "a/pwned", "data": "x"}]],
 "unpack": "refuse:", "cpin": "refuse:Too many levels of symbolic links"}
{"row": "proc-magic-link-then-file", "layers": [[{"name": "l", "type": "symlink", "target": "/proc/self/root$V"}, {"name": "l/pwned", "data": "x"}]],
 "unpack": "refuse:No such file or directory", "cpin": "refuse:Invalid cross-device link"}
{"row": "link-then-dir-then-file", "layers": [[{"name": "l", "type": "symlink", "target": "$V"}, {"name": "l/", "type": "dir"}, {"name": "l/pwned", "data": "x"}]],
 "unpack": "inside:l/pwned", "cpout": "inside:l/pwned", "cpin": "refuse:/l: file exists"}
{"row": "link-to-file-then-file", "layers": [[{"name": "l", "type": "symlink", "target": "$V/secret"}, {"name": "l", "data": "pwned"}]],
 "unpack": "inside:l", "cpout": "inside:l", "cpin": "inside:l"}
{"row": "link-then-file-across-layers", "layers": [[{"name": "l", "type": "symlink", "target": "$V"}], [{"name": "l/pwned", "data": "x"}]],
 "unpack": "inside:l/pwned", "cpout": "inside:l/pwned", "cpin": "refuse:Invalid cross-device link"}
{"row": "link-then-dir-across-layers", "layers": [[{"name": "l", "type": "symlink", "target": "$V"}], [{"name": "l/", "type": "dir"}, {"name": "l/pwned", "data": "x"}]],
 "unpack": "inside:l/pwned", "cpout": "inside:l/pwned", "cpin": "refuse:/l: file exists"}
{"row": "climbing-link-then-file-across-layers", "layers": [[{"name": "l", "type": "symlink", "target": "$UP$V"}], [{"name": "l/secret", "data": "pwned"}]],
 "unpack": "inside:l/secret", "cpout": "inside:l/secret", "cpin": "refuse:Invalid cross-device link"}
{"row": "hardlink-absolute", "layers": [[{"name": "h", "type": "hardlink", "target": "$V/secret"}]],
 "unpack": "refuse:No such file or directory", "cpin": "refuse:No such file or directory"}
{"row": "hardlink-climbing", "layers": [[{"name": "h", "type": "hardlink", "target": "$UP$V/secret"}]],
 "unpack": "refuse:would leave the layer", "cpin": "refuse:leaves the destination"}
{"row": "hardlink-through-link", "layers": [[{"name": "l", "type": "symlink", "target": "$V"}, {"name": "h", "type": "hardlink", "target": "l/secret"}]],
 "unpack": "refuse:No such file or directory", "cpin": "refuse:Invalid cross-device link"}
{"row": "hardlink-to-link-out", "layers": [[{"name": "l", "type": "symlink", "target": "$V/secret"}, {"name": "h", "type": "hardlink", "target": "l"}]],
 "unpack": "inside:h", "cpout": "inside:h", "cpin": "inside:h"}
{"row": "hardlink-absolute-inside", "layers": [[{"name": "f", "data": "x"}, {"name": "pwned", "type": "hardlink", "target": "/f"}]],
 "unpack": "inside:pwned", "cpout": "inside:pwned", "cpin": "inside:pwned"}
{"row": "whiteout-climbing", "layers": [[{"name": "../.wh.secret", "data": ""}]],
 "unpack": "refuse:would leave the layer", "cpin": "refuse:leaves the destination"}
{"row": "whiteout-of-parent", "layers": [[{"name": "a/", "type": "dir"}, {"name": "a/.wh..", "data": ""}]],
 "unpack": "refuse:refusing whiteout", "cpin": "ok"}
{"row": "whiteout-through-link", "layers": [[{"name": "l", "type": "symlink", "target": "$V"}, {"name": "l/.wh.secret", "data": ""}]],
 "unpack": "refuse:No such file or directory", "cpin": "refuse:Invalid cross-device link"}
{"row": "whiteout-through-link-across-layers", "layers": [[{"name": "l", "type": "symlink", "target": "$V"}], [{"name": "l/.wh.secret", "data": ""}]],
 "unpack": "ok", "cpout": "ok", "cpin": "refuse:Invalid cross-device link"}
{"row": "opaque-through-link-across-layers", "layers": [[{"name": "l", "type": "symlink", "target": "$V"}], [{"name": "l/.wh..wh..opq", "data": ""}, {"name": "l/pwned", "data": "x"}]],
 "unpack": "inside:l/pwned", "cpout": "inside:l/pwned", "cpin": "refuse:Invalid cross-device link"}
EOF
	)
	run_hutch run -d --name sink "$IMAGE" sleep 1000
	local line row expect n=0 k layer
	while IFS= read -r line; do
		[[ -n $line ]] || continue
		# A row spans two lines of the heredoc: join them.
		if [[ $line != *'"cpin"'* ]]; then
			local first=$line
			continue
		fi
		line="$first $line"
		row=$(jq -r .row <<<"$line")
		n=$((n + 1))
		local -a push=() tars=()
		for ((k = 0; k < $(jq '.layers | length' <<<"$line"); k++)); do
			layer=$(jq -c ".layers[$k]" <<<"$line")
			push+=(--layer "$layer")
			tar_of "$layer" "$BATS_TEST_TMPDIR/$row.$k.tar"
			tars+=("$BATS_TEST_TMPDIR/$row.$k.tar")
		done
		# unpack
		push_image "bo-$row" "${push[@]}"
		run_hutch '?' pull -q --tls-verify=false "$HUTCH_REGISTRY/bo-$row"
		expect=$(jq -r .unpack <<<"$line")
		local pulled=$status
		assert_contained "$row" unpack
		check_outcome "$row" unpack "$expect" "$status" "$stderr" in_layers
		if [[ $expect == refuse:* ]]; then
			run_hutch images --format '{{.Repository}}'
			refute_line "$HUTCH_REGISTRY/bo-$row"
			run ls -A "$(store)/layers"
			refute_output --partial '.tmp-'
		fi
		# cp out: the container's whole tree to the host
		if ((pulled == 0)); then
			run_hutch create --name "bo-$row" "$HUTCH_REGISTRY/bo-$row" /x
			run_hutch '?' cp "bo-$row:/." "$OUT/$row"
			assert_contained "$row" cp-out
			check_outcome "$row" cp-out "$(jq -r .cpout <<<"$line")" "$status" "$stderr" \
				exists_in "$OUT/$row"
		fi
		# cp in: each layer a tar stream into a directory of a running container
		run_hutch exec sink mkdir "/$row"
		local st=0 err=""
		for layer in "${tars[@]}"; do
			run --separate-stderr "$HUTCH" cp - "sink:/$row" <"$layer"
			st=$status err=$stderr
			((st == 0)) || break
		done
		assert_contained "$row" cp-in
		check_outcome "$row" cp-in "$(jq -r .cpin <<<"$line")" "$st" "$err" \
			in_sink "$row"
	done <<<"$rows"
	((n >= 25)) || fail "only $n rows ran"
}

# in_sink ROW PATH: PATH (not followed) exists in /ROW of the running container "sink"
in_sink() {
	"$HUTCH" exec sink sh -c 'test -e "$1" || test -L "$1"' sh "/$1/$2"
}

# A container can make a tree deeper than the fds a walk may hold (one a level): copying it
# out ends in a clean error, and removing the container still removes all of it (it was
# left behind for good, "Too many open files", so the container could not be removed).
@test "a container's 2000-deep tree: cp out fails cleanly, rm removes it all" {
	run_hutch run -d --name deep "$IMAGE" sh -c \
		'cd /tmp; i=0; while [ $i -lt 2000 ]; do mkdir a; cd a; i=$((i + 1)); done; touch /done; exec sleep 1000'
	wait_for "$HUTCH" exec deep test -e /done
	ulimit -n 1024
	run_hutch '?' cp deep:/tmp/a "$BATS_TEST_TMPDIR/out"
	[[ $status -eq 0 || ($status -eq 125 && ${#stderr_lines[@]} -eq 1) ]] || fail "cp: $status"
	run_hutch rm -f deep
	run_hutch ps -a -q
	assert_output ""
	run ls -A "$(store)/containers"
	refute_output --regexp '[0-9a-f]{64}'
}

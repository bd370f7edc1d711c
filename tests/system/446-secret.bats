#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Secrets (issue 16): secret create/ls/inspect/rm/exists as podman 4.3.1's, and run/create
# --secret as a read-only mount (never in the upper layer) or a variable (never in the
# record); the content in no inspect, log, committed layer, export or diff.

load container_helpers
load storage_helpers

VALUE=t0p-s3cr3t-value

mksecret() { # NAME: a secret holding $VALUE
	printf '%s' "$VALUE" >"$BATS_TEST_TMPDIR/value"
	run_hutch secret create "$1" "$BATS_TEST_TMPDIR/value"
	assert_output --regexp '^[0-9a-f]{25}$'
}

@test "secret create/ls/inspect/exists/rm: podman's IDs, output and errors; the store 0600" {
	mksecret mysec
	local id=$output
	run_hutch 125 secret create mysec "$BATS_TEST_TMPDIR/value"
	assert_equal "$stderr" "Error: mysec: secret name in use"
	run_hutch 125 secret create 'a/b' "$BATS_TEST_TMPDIR/value"
	assert_equal "$stderr" "Error: only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: a/b: invalid secret name"
	: >"$BATS_TEST_TMPDIR/empty"
	run_hutch 125 secret create e1 "$BATS_TEST_TMPDIR/empty"
	assert_equal "$stderr" "Error: secret data must be larger than 0 and less than 512000 bytes"
	run_hutch 125 secret create e4 "$BATS_TEST_TMPDIR/nothere"
	assert_equal "$stderr" "Error: open $BATS_TEST_TMPDIR/nothere: no such file or directory"
	run_hutch 125 secret create --driver foo e2 "$BATS_TEST_TMPDIR/value"
	assert_equal "$stderr" "Error: invalid driver"
	run_hutch 125 secret create --env e3 NOT_SET_HERE
	assert_equal "$stderr" "Error: cannot create store secret data: environment variable NOT_SET_HERE is not set"
	MYENV=fromenv run_hutch secret create --env --label a=b fromenv MYENV
	run_hutch secret create stdin - <"$BATS_TEST_TMPDIR/value"
	run_hutch secret ls --format '{{.Name}} {{.Driver}}'
	assert_output "mysec file
fromenv file
stdin file"
	run_hutch secret ls
	assert_line --index 0 --regexp '^ID +NAME +DRIVER +CREATED +UPDATED$'
	assert_line --index 1 --regexp "^$id  mysec +file +(Less than a second|[0-9]+ seconds?) ago"
	run_hutch secret ls --noheading --filter name=^from --format '{{.ID}}'
	assert_output --regexp '^[0-9a-f]{25}$'
	run_hutch secret ls -q --filter "id=${id:0:6}"
	assert_output "$id"
	run_hutch secret inspect --format '{{.ID}} {{.Spec.Name}} {{.Spec.Driver.Name}} {{.Spec.Labels}}' fromenv mysec
	assert_line --index 1 "$id mysec file map[]"
	[[ ${lines[0]} == *" fromenv file map[a:b]" ]] || fail "${lines[0]}"
	run_hutch secret inspect mysec
	run jq -r '.[0] | [.ID, .Spec.Name, (.CreatedAt | test("Z$")), (.Spec.Driver.Options.path != null)] | @tsv' <<<"$output"
	assert_output "$id	mysec	true	true"
	run_hutch secret inspect --pretty fromenv
	assert_output --regexp "^ID:              [0-9a-f]{25}
Name:              fromenv
Labels:
 - a=b
Driver:            file
Created at:        [0-9-]+ [0-9:.]+ \+0000 UTC
Updated at:        [0-9-]+ [0-9:.]+ \+0000 UTC\$"
	run_hutch 125 secret inspect mysec nope
	assert_equal "$stderr" "Error: inspecting secret: no secret with name or id \"nope\": no such secret"
	run jq -r '.[0].Spec.Name' <<<"$output"
	assert_output mysec
	run_hutch secret exists mysec
	run_hutch 1 secret exists nope
	assert_output ""
	# The content: 0600 in the store, in no document
	run find "$XDG_DATA_HOME" -path '*secrets*' -name data -perm 0600
	[[ $(wc -l <<<"$output") == 3 ]] || fail "$output"
	run_hutch secret inspect mysec fromenv stdin
	refute_output --partial "$VALUE"
	run_hutch secret ls --format json
	refute_output --partial "$VALUE"
	run_hutch 125 secret rm nope
	assert_equal "$stderr" "Error: no secret with name or id \"nope\": no such secret"
	run_hutch secret rm mysec
	assert_output "$id"
	run_hutch secret rm -a
	assert_equal "${#lines[@]}" 2
	run_hutch secret ls --noheading
	assert_output ""
}

@test "run --secret: mounted read-only at /run/secrets/NAME or target, uid/gid/mode; env" {
	mksecret mysec
	run_hutch run --rm --secret mysec "$IMAGE" sh -c 'cat /run/secrets/mysec; echo; ls -ln /run/secrets/mysec | cut -c1-30; echo x >/run/secrets/mysec || echo read-only'
	assert_line --index 0 "$VALUE"
	assert_line --index 1 --regexp '^-r--r--r-- +1 0 +0 '
	assert_line --index 2 read-only
	run_hutch run --rm --secret mysec,target=/etc/x,uid=5,gid=6,mode=0440 "$IMAGE" sh -c 'ls -ln /etc/x | cut -c1-30; cat /etc/x'
	assert_output --regexp "^-r--r----- +1 5 +6 .*
$VALUE\$"
	run_hutch run --rm --secret mysec,target=abc "$IMAGE" cat /run/secrets/abc
	assert_output "$VALUE"
	run_hutch run --rm --secret mysec,type=env "$IMAGE" sh -c 'echo $mysec'
	assert_output "$VALUE"
	run_hutch run --rm --secret mysec,type=env,target=FOO "$IMAGE" sh -c 'echo $FOO'
	assert_output "$VALUE"
}

@test "run --secret: podman's errors" {
	mksecret mysec
	run_hutch 125 run --rm --secret nope "$IMAGE" true
	assert_equal "$stderr" "Error: no secret with name or id \"nope\": no such secret"
	run_hutch 125 run --rm --secret mysec,type=bogus "$IMAGE" true
	assert_equal "$stderr" "Error: type bogus is invalid: parsing secret"
	run_hutch 125 run --rm --secret mysec,foo=bar "$IMAGE" true
	assert_equal "$stderr" "Error: option foo=bar invalid: parsing secret"
	run_hutch 125 run --rm --secret mysec,type=env,uid=3 "$IMAGE" true
	assert_equal "$stderr" "Error: UID, GID, Mode options cannot be set with secret type env: parsing secret"
}

@test "secrets: the content is in no inspect, log, diff, commit or export; a removed secret fails the start" {
	mksecret mysec
	run_hutch run --name c1 --secret mysec --secret mysec,type=env,target=FOO "$IMAGE" \
		sh -c 'cat /run/secrets/mysec >/dev/null && test -n "$FOO" && echo ran'
	assert_output ran
	run_hutch inspect c1
	refute_output --partial "$VALUE"
	run jq -c '.[0].Config.Secrets' <<<"$output"
	assert_output --regexp '^\[\{"Name":"mysec","ID":"[0-9a-f]{25}","UID":0,"GID":0,"Mode":292\}\]$'
	run_hutch inspect --format '{{json .Config.Env}}' c1
	refute_output --partial FOO=
	run_hutch logs c1
	refute_output --partial "$VALUE"
	run_hutch diff c1
	refute_output --partial secrets
	run_hutch export -o "$BATS_TEST_TMPDIR/c1.tar" c1
	run grep -c -a "$VALUE" "$BATS_TEST_TMPDIR/c1.tar"
	assert_output 0
	run_hutch commit -q c1 withsecret
	run_hutch run --rm withsecret sh -c 'cat /run/secrets/mysec 2>/dev/null; echo "[$FOO]"'
	assert_output "[]"
	run grep -r -l -a "$VALUE" "$(store)/layers"
	assert_output ""
	# podman: the secret may go while a container uses it; that container's start then fails.
	run_hutch secret rm mysec
	run_hutch 125 start c1
	assert_equal "$stderr" "Error: starting container c1: no secret with name or id \"mysec\": no such secret"
}

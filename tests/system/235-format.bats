#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# --format is Go's text/template as podman runs it (issue 14): the same templates go
# through podman 4.3.1 (the oracle) and hutch on the same volume, image and container,
# and their output and exit status must be the same. podman runs an inspect or list
# template inside {{range .}}...{{end}}, so there "$" is the list and a lone {{else}}
# parses: those quirks are not compared. Error messages must have podman's
# shape; their column and Go type name are podman's internals and are not compared.

load helpers
load storage_helpers

podman_() {
	podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$XDG_RUNTIME_DIR/podman" \
		--storage-driver vfs "$@"
}

teardown() {
	podman_ system reset -f >/dev/null 2>&1 || true
}

need_podman() {
	command -v podman >/dev/null || skip_machine "podman is not installed"
}

# same ARGS...: podman and hutch print the same stdout and exit with the same status.
same() {
	local p h ps=0 hs=0
	p=$(podman_ "$@" 2>/dev/null) || ps=$?
	h=$("$HUTCH" "$@" 2>/dev/null) || hs=$?
	if [[ $p != "$h" || $ps != "$hs" ]]; then
		echo "args: $*"
		echo "podman (status $ps):"
		echo "$p"
		echo "hutch (status $hs):"
		echo "$h"
		return 1
	fi
}

# The error line without what is podman's own: its wrapping of inspect's error, the
# column (podman wraps lists in {{range .}}) and the Go type of a missing field.
norm_err() {
	grep '^Error:' | sed -e 's/inspecting object: printing inspect output: //' \
		-e 's/^\(Error: template: [a-z]*:[0-9]*\):[0-9]*:/\1:C:/' \
		-e 's/ in type [^ ]*$/ in type T/' -e 's/in type interface {}$/in type T/'
}

# same_err ARGS...: both fail with status 125 and the same normalised error line.
same_err() {
	local p h ps=0 hs=0
	p=$(podman_ "$@" 2>&1 >/dev/null) || ps=$?
	h=$("$HUTCH" "$@" 2>&1 >/dev/null) || hs=$?
	echo "args: $*"
	assert_equal "$ps" 125
	assert_equal "$hs" 125
	assert_equal "$(norm_err <<<"$h")" "$(norm_err <<<"$p")"
}

@test "format: volume inspect templates print what podman prints" {
	need_podman
	podman_ volume create --label a=b --label c=d --label 'sp=x y' vol1 >/dev/null
	run_hutch volume create --label a=b --label c=d --label 'sp=x y' vol1
	local f
	for f in '{{.Name}}' '{{.Name}} {{.Driver}} {{.Scope}}' '{{.Labels}}' '{{.Options}}' \
		'{{json .Labels}}' '{{len .Labels}}' '{{.Labels.zz}}' '{{.Labels.a}}' \
		'{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}' \
		'{{range .Labels}}[{{.}}]{{end}}' '{{range .Options}}x{{else}}none{{end}}' \
		'{{index .Labels "a"}}|{{index .Labels "nope"}}|' \
		'{{if .Labels}}yes{{else}}no{{end}} {{if .Options}}yes{{else}}no{{end}}' \
		'{{if eq .Name "vol1"}}v{{else if eq .Name "x"}}x{{end}}' \
		'{{with .Labels}}{{.a}}{{end}} {{with .Options}}x{{else}}empty{{end}}' \
		'{{$n := .Name}}{{$n}}- {{$n = "z"}}{{$n}}' \
		'{{.Name | upper | printf "%s!"}} {{lower "ABC"}} {{title "hello world-x"}}' \
		'{{truncate .Name 2}}|{{pad .Name 1 2}}|{{split "a:b:c" ":"}}|{{join (split "a:b" ":") ","}}' \
		'{{printf "%q %5s|%-6s|%d %v %x %t" .Name .Driver .Driver 42 .Labels .Name true}}' \
		'{{printf "%s-%d" .Name}} {{printf "%d" .Name}} {{printf "x" 1}}' \
		'{{html "<a&b>"}} {{js "a'"'"'b"}} {{urlquery "a b/c"}} {{slice "abcdef" 1 3}}' \
		'{{print 1 2 "a" "b" 3}} {{println 1 "x"}}' \
		'{{lt "a" "b"}} {{eq .Name "vol1" "x"}} {{and 1 0}} {{or 0 "" "z"}} {{not 1}} {{ne 1 2}} {{ge 2 2}}' \
		'{{1.5}} {{1e6}} {{0x10}} {{-3}} {{1234567.0}} {{0.000012}} {{true}} {{"\u00e9"}} {{`raw`}}' \
		'{{/* comment */}}a  {{- " b " -}}  c' \
		'{{.Name}}\t{{.Driver}}\n' '{{(index .Labels "sp") | len}}' '{{.Labels | }}'; do
		same volume inspect --format "$f" vol1
	done
}

@test "format: bad templates fail as in podman, status 125 and podman's message" {
	need_podman
	podman_ volume create --label a=b vol1 >/dev/null
	run_hutch volume create --label a=b vol1
	local f
	for f in '{{.Foo}}' '{{foo .Name}}' '{{range .Labels}}' '{{end}}' '{{}}' \
		'{{if}}x{{end}}' '{{$x}}' '{{eq 1 1.0}}' '{{.Name.Foo}}' '{{"a" "b"}}' \
		'{{.Name 1}}' '{{range .Name}}{{end}}' '{{nil}}' '{{index .Labels 1}}' \
		'{{.Labels.a.b}}' '{{| .Name}}' '{{#}}' '{{"abc}}'; do
		same_err volume inspect --format "$f" vol1
	done
	same_err volume ls --format '{{.Foo}}'
	same_err volume ls --format '{{nosuch .Name}}'
}

@test "format: table templates of volume ls: podman's headers and columns" {
	need_podman
	podman_ volume create --label a=b vol1 >/dev/null
	podman_ volume create a-much-longer-volume-name >/dev/null
	run_hutch volume create --label a=b vol1
	run_hutch volume create a-much-longer-volume-name
	local f
	for f in 'table {{.Name}} {{.Driver}}' 'table {{.Driver}}\t{{.Name}}' \
		'table {{.Name}}\t{{.Driver}}|{{.Labels}}' 'table {{upper .Name}} {{len .Name}}' \
		'{{.Name}}' '{{.Name}} {{.Labels}}' '{{range $k, $v := .Labels}}{{$k}}{{end}}'; do
		same volume ls --format "$f"
		same volume ls --noheading --format "$f"
	done
}

@test "format: images and image inspect templates print what podman prints" {
	need_podman
	run podman_ pull -q --tls-verify=false "docker://$HUTCH_REGISTRY/base:latest"
	assert_success
	pull_fixture base
	local f
	for f in '{{.Architecture}}/{{.Os}}' '{{range .RepoTags}}[{{.}}]{{end}}' \
		'{{len .RootFS.Layers}} {{.RootFS.Type}}' '{{.Config.Cmd}} {{json .Config.Cmd}}' \
		'{{range $i, $e := .Config.Env}}{{$i}}={{$e}} {{end}}' '{{.Id}}' \
		'{{if .Config.Env}}env{{else}}none{{end}}'; do
		same image inspect --format "$f" "$HUTCH_REGISTRY/base"
	done
	for f in '{{.Repository}}:{{.Tag}}' 'table {{.Repository}} {{.Tag}}' \
		'{{.ID}} {{printf "%.4s" .ID}}' 'table {{.ID}}\t{{.Repository}}' \
		'table {{.Repository}} {{.Dangling}}'; do
		same images --format "$f"
	done
}

@test "format: container inspect and ps templates print what podman prints" {
	need_podman
	run podman_ pull -q --tls-verify=false "docker://$HUTCH_REGISTRY/base:latest"
	assert_success
	pull_fixture base
	podman_ create -q --name c1 --label k=v "$HUTCH_REGISTRY/base" sh -c 'exit 0' >/dev/null
	run_hutch create -q --name c1 --label k=v "$HUTCH_REGISTRY/base" sh -c 'exit 0'
	local f
	for f in '{{.Name}}' '{{.State.Status}}' '{{.Config.Labels}}' '{{index .Config.Labels "k"}}' \
		'{{range $i, $e := .Config.Cmd}}{{$i}}:{{$e}} {{end}}' '{{.Path}}' \
		'{{if .State.Running}}up{{else}}down{{end}}' '{{json .Config.Cmd}}' \
		'{{.State.ExitCode}} {{.RestartCount}}'; do
		same container inspect --format "$f" c1
	done
	for f in '{{.Names}}' '{{.Labels}} {{index .Labels "k"}}' '{{.Command}}' \
		'table {{.Names}} {{.Labels}}' '{{range .Names}}{{.}}{{end}}' \
		'table {{.Names}} {{.Command}} {{.Labels}}'; do
		same ps -a --format "$f"
	done
}

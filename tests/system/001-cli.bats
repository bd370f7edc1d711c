#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The command line: help from the table, exit codes and messages for bad input (issue #2).

load helpers

@test "hutch --help lists every command with its summary" {
	run_hutch --help
	assert_line --partial "Usage:"
	for cmd in $("$HUTCH" __complete commands); do
		assert_line --regexp "^  $cmd +[A-Z]"
	done
	# hidden commands stay hidden
	refute_output --partial "__gen-man"
	# sorted by name, as podman lists them: commands, and each command's options
	local listed
	listed=$(sed -n '/^Available Commands:/,/^$/p' <<<"$output" | awk 'NF && !/:$/ {print $1}')
	[[ -n $listed ]]
	assert_equal "$listed" "$(LC_ALL=C sort <<<"$listed")"
	run_hutch ps --help
	listed=$(sed -n '/^Options:/,$p' <<<"$output" | grep -o -- '--[a-z-]*' | head -n 99)
	assert_equal "$listed" "$(LC_ALL=C sort <<<"$listed")"
	[[ $(wc -l <<<"$listed") -gt 5 ]]
}

@test "each command's --help lists its flags, help and help COMMAND agree" {
	for cmd in $("$HUTCH" __complete commands); do
		run_hutch "$cmd" --help
		assert_line --partial "hutch $cmd"
		assert_line --partial -- "--help"
		local via_help
		via_help=$("$HUTCH" help "$cmd")
		[[ $via_help == "$output" ]] || fail "hutch help $cmd differs from hutch $cmd --help"
	done
	run_hutch version --help
	assert_line --regexp '^  -f, --format format +Change the output format'
}

@test "version: podman's Built and BuiltTime; {{.Server.X}} is the client's, as a local podman's" {
	# podman's helpers name the pause image from this (issue 14).
	run_hutch version --format '{{.Server.Version}}-{{.Server.Built}}'
	assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+$'
	local client
	client=$("$HUTCH" version --format '{{.Client.Version}}-{{.Client.Built}}')
	assert_output "$client"
	run_hutch version --format json
	assert_equal "$(jq -r '.Client.Built | type' <<<"$output")" number
	assert_equal "$(jq -r '.Client.BuiltTime | type' <<<"$output")" string
	assert_equal "$(jq -r '.Server' <<<"$output")" null
	run_hutch version
	assert_line --regexp '^Built: +[A-Z][a-z]{2} '
}

@test "unknown command: one Error line with a hint, exit 125" {
	run_hutch 125 frobnicate
	assert_equal "${stderr_lines[0]}" 'Error: unrecognized command `hutch frobnicate`'
	assert_equal "${stderr_lines[1]}" "See 'hutch --help'."
	assert_equal "$output" ""
}

@test "unknown flag and unknown shorthand: exit 125 with the command's hint" {
	run_hutch 125 version --frob
	assert_equal "${stderr_lines[0]}" "Error: unknown flag: --frob"
	assert_equal "${stderr_lines[1]}" "See 'hutch version --help'."
	run_hutch 125 info -z
	assert_equal "${stderr_lines[0]}" "Error: unknown shorthand flag: 'z' in -z"
	run_hutch 125 --frob version
	assert_equal "${stderr_lines[0]}" "Error: unknown flag: --frob"
}

@test "missing flag value and bad values: exit 125" {
	run_hutch 125 version --format
	assert_equal "${stderr_lines[0]}" "Error: flag needs an argument: --format"
	run_hutch 125 version -f
	assert_equal "${stderr_lines[0]}" "Error: flag needs an argument: -f"
	# podman's (logrus's) message and status for a bad level
	run_hutch 1 --log-level loud version
	assert_equal "$stderr" 'Log Level "loud" is not supported, choose from: trace, debug, info, warn, error, fatal, panic'
	run_hutch 125 version extra
	assert_equal "${stderr_lines[0]}" 'Error: "hutch version" accepts no arguments'
	run_hutch 125 version --format '{{.Client.Version'
	[[ $stderr == *"unclosed action"* ]]
	# podman's errors of a template that parses but cannot run (issue 14)
	run_hutch 125 version --format '{{range .Client.Version}}x{{end}}'
	[[ $stderr == *'executing "version" at <.Client.Version>: range can'"'"'t iterate over '* ]]
	run_hutch 125 version --format '{{.Client.Nope}}'
	[[ $stderr == *"can't evaluate field Nope"* ]]
	run_hutch 125
	assert_equal "${stderr_lines[0]}" "Error: missing command 'hutch COMMAND'"
}

@test "version: human, json and template" {
	run_hutch version
	assert_line --regexp '^Version: +[0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --regexp '^OS/Arch: +linux/'
	run_hutch version --format json
	[[ $(jq -r .Client.Version <<<"$output") =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
	local v
	v=$(jq -r .Client.Version <<<"$output")
	run_hutch version --format '{{.Client.Version}}\t{{.Client.Os}}'
	assert_output "$v	linux"
	run_hutch --version
	assert_output "hutch version $v"
}

@test "completion scripts are generated from the table and load in their shells" {
	run_hutch completion bash
	assert_output --partial "complete -F _hutch hutch"
	bash -n <<<"$output"
	# Complete `hutch ver<TAB>` and `hutch version --fo<TAB>` with the generated script.
	local script=$BATS_TEST_TMPDIR/hutch.bash
	printf '%s\n' "$output" >"$script"
	run bash -c "source '$script'; COMP_WORDS=(hutch ver); COMP_CWORD=1; _hutch; echo \"\${COMPREPLY[*]}\""
	assert_output "version"
	run bash -c "source '$script'; COMP_WORDS=(hutch version --fo); COMP_CWORD=2; _hutch; echo \"\${COMPREPLY[*]}\""
	assert_output "--format"
	run bash -c "source '$script'; COMP_WORDS=(hutch version --format ''); COMP_CWORD=3; _hutch; echo \"\${COMPREPLY[*]}\""
	assert_output "json"
	run_hutch completion zsh
	assert_line "#compdef hutch"
	run_hutch completion fish
	assert_line --partial "complete -c hutch"
	run_hutch 125 completion tcsh
	assert_equal "${stderr_lines[0]}" 'Error: unsupported shell "tcsh": want bash, zsh or fish'
}

@test "the committed completions and man pages match the table" {
	for shell in bash zsh fish; do
		case $shell in
		bash) f=completions/hutch.bash ;;
		zsh) f=completions/_hutch ;;
		fish) f=completions/hutch.fish ;;
		esac
		diff -u "$HUTCH_TOP/$f" <("$HUTCH" completion "$shell") ||
			fail "$f is stale: run make generate"
	done
	for cmd in $("$HUTCH" __complete commands); do
		[[ -f $HUTCH_TOP/docs/hutch-$cmd.1 ]] || fail "no man page docs/hutch-$cmd.1"
	done
	[[ -f $HUTCH_TOP/docs/hutch.1 ]]
}

@test "every man page has prose with examples (docs/cmd/NAME.md)" {
	local page missing=()
	for page in "$HUTCH_TOP"/docs/hutch-*.1; do
		grep -q '^\.SH EXAMPLES' "$page" || missing+=("$(basename "$page")")
	done
	((${#missing[@]} == 0)) || fail "no EXAMPLES in: ${missing[*]}"
}

@test "a subcommand that is a top-level command has that command's man page prose" {
	run_hutch __gen-man --prose "$HUTCH_TOP/docs/cmd" container rm
	assert_output --partial '**hutch container rm** is the same command as **hutch rm**.'
	assert_output --partial '## EXIT STATUS'
	assert_output --partial '**hutch-rm(1)**'
	run_hutch __gen-man --prose "$HUTCH_TOP/docs/cmd" image ls
	assert_output --partial '**hutch image ls** is the same command as **hutch images**.'
	run_hutch __gen-man --prose "$HUTCH_TOP/docs/cmd" rm
	assert_output --partial '**hutch-container-rm(1)**'
	refute_output --partial 'same command as'
	# A command of its own keeps its own page.
	run_hutch __gen-man --prose "$HUTCH_TOP/docs/cmd" container inspect
	refute_output --partial 'same command as'
	grep -q 'same command as' "$HUTCH_TOP/docs/hutch-container-rm.1" ||
		fail "docs/hutch-container-rm.1 is stale: run make generate"
}

@test "make install puts programs, man pages and completions under DESTDIR/PREFIX" {
	local dest=$BATS_TEST_TMPDIR/dest
	run make -s -C "$HUTCH_TOP" install DESTDIR="$dest" PREFIX=/opt/hutch
	assert_success
	[[ -x $dest/opt/hutch/bin/hutch ]]
	[[ -f $dest/opt/hutch/share/man/man1/hutch.1 ]]
	[[ -f $dest/opt/hutch/share/man/man1/hutch-unshare.1 ]]
	[[ -f $dest/opt/hutch/share/bash-completion/completions/hutch ]]
	[[ -f $dest/opt/hutch/share/zsh/site-functions/_hutch ]]
	[[ -f $dest/opt/hutch/share/fish/vendor_completions.d/hutch.fish ]]
	run "$dest/opt/hutch/bin/hutch" version --format '{{.Client.Os}}'
	assert_output linux
}

@test "log levels: podman's names, logrus's text form on a pipe, --debug and -D" {
	run_hutch --log-level=trace info --format '{{.host.arch}}'
	[[ $stderr == *' level=trace '* && $stderr == *' level=debug '* && $stderr == *' level=info '* ]]
	[[ $stderr == 'time="'* ]]
	run_hutch --log-level=debug info --format '{{.host.arch}}'
	[[ $stderr != *' level=trace '* && $stderr == *' level=debug '* ]]
	run_hutch --log-level=info info --format '{{.host.arch}}'
	[[ $stderr != *' level=debug '* && $stderr == *' level=info msg="hutch filtering at log level info"'* ]]
	local l
	for l in warn warning error fatal panic; do
		run_hutch --log-level=$l info --format '{{.host.arch}}'
		assert_equal "$stderr" ""
	done
	run_hutch -D info --format '{{.host.arch}}'
	[[ $stderr == *' level=debug '* ]]
	run_hutch 1 --debug --log-level=panic info
	assert_equal "$stderr" "Setting --log-level and --debug is not allowed"
	assert_output ""
}

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make generate`: man pages and completions, all rendered from the command table.
# The results are committed; a test fails when they are stale.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
hutch=./hutch

"$hutch" completion bash >completions/hutch.bash
"$hutch" completion zsh >completions/_hutch
"$hutch" completion fish >completions/hutch.fish

rm -f docs/hutch*.1
page() { # path words...
	local name=$1
	shift
	"$hutch" __gen-man --prose docs/cmd "$@" | go-md2man >"docs/$name.1"
}
page hutch
for cmd in $("$hutch" __complete commands); do
	page "hutch-$cmd" "$cmd"
	for sub in $("$hutch" __complete "subcommands:$cmd" 2>/dev/null); do
		page "hutch-$cmd-$sub" "$cmd" "$sub"
	done
done

# The generator's page (hutch-generator is no command of the table): written by hand.
rm -f docs/hutch*.5
go-md2man <docs/hutch-systemd.unit.5.md >docs/hutch-systemd.unit.5

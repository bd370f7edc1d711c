#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# build (issue 17): a Containerfile run step by step as podman's: RUN as engine containers,
# COPY/ADD from the context (never out of it), metadata steps as empty_layer history, the
# layer cache, podman's output, and errors that name the file and line.

load container_helpers

# ctx NAME: a fresh build context dir; the Containerfile from stdin.
ctx() {
	CTX=$BATS_TEST_TMPDIR/$1
	mkdir -p "$CTX"
	cat >"$CTX/Containerfile"
}

# The layer tar of IMAGE's top layer, as `save` writes it, listed verbosely.
top_layer_listing() {
	local dir=$BATS_TEST_TMPDIR/save-${1//\//_}
	mkdir -p "$dir"
	"$HUTCH" save -o "$dir/img.tar" "$1"
	tar -xf "$dir/img.tar" -C "$dir"
	local layer
	layer=$(jq -r '.[0].Layers[-1]' "$dir/manifest.json")
	tar -tvf "$dir/$layer" --numeric-owner
}

@test "build: the newcomer example builds and runs; podman's output and config" {
	ctx app <<EOF
FROM $IMAGE
COPY app.sh /app/app.sh
EXPOSE 8080
CMD ["/app/app.sh", "hello"]
EOF
	printf '#!/bin/sh\necho "app says $1"\n' >"$CTX/app.sh"
	chmod 755 "$CTX/app.sh"
	run_hutch build -t myapp "$CTX"
	assert_line --index 0 "STEP 1/4: FROM $IMAGE"
	assert_line --index 1 "STEP 2/4: COPY app.sh /app/app.sh"
	assert_line --regexp '^--> [0-9a-f]{11}$'
	assert_line "STEP 4/4: CMD [\"/app/app.sh\", \"hello\"]"
	assert_line "COMMIT myapp"
	assert_line "Successfully tagged localhost/myapp:latest"
	assert_line --index $((${#lines[@]} - 1)) --regexp '^[0-9a-f]{64}$'
	id=${lines[-1]}
	run_hutch images --no-trunc --format '{{.ID}}' localhost/myapp
	assert_output "sha256:$id"
	# the steps' images are intermediate: `images` shows them with --all only, as podman's
	run_hutch images --format '{{.Repository}}'
	assert_output "localhost/myapp
${IMAGE%:*}"
	run_hutch images -a --format '{{.Repository}}'
	assert_equal "$(grep -c '<none>' <<<"$output")" 2
	run_hutch run --rm myapp
	assert_output "app says hello"
	run_hutch image inspect --format '{{json .Config.ExposedPorts}} {{json .Config.Cmd}}' myapp
	assert_output '{"8080/tcp":{}} ["/app/app.sh","hello"]'
	# podman's history: COPY a layer, EXPOSE and CMD empty_layer entries
	run_hutch image inspect --format '{{json .History}}' myapp
	echo "$output" | jq -e '.[-1].empty_layer == true and (.[-1].created_by | test("#\\(nop\\) CMD"))' >/dev/null
	echo "$output" | jq -e '.[-2].empty_layer == true and (.[-2].created_by | test("EXPOSE 8080"))' >/dev/null
	echo "$output" | jq -e '(.[-3].empty_layer // false) == false and (.[-3].created_by | test("COPY file:[0-9a-f]{64} in /app/app.sh"))' >/dev/null
	run_hutch image inspect --format '{{len .RootFS.Layers}}' myapp
	base_layers=$("$HUTCH" image inspect --format '{{len .RootFS.Layers}}' "$IMAGE")
	assert_output $((base_layers + 1))
	# -q: the ID alone; buildx build is the same command
	run_hutch build -q -t myapp "$CTX"
	assert_output "$id"
	run_hutch buildx build -q "$CTX"
	assert_output "$id"
	# --label on the final image (a new one), --iidfile, --format docker
	run_hutch build -q --label team=core --iidfile "$BATS_TEST_TMPDIR/iid" --format docker \
		-t labeled "$CTX"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/iid")" "$output"
	run_hutch image inspect --format '{{index .Config.Labels "team"}} {{.ManifestType}}' labeled
	assert_output "core application/vnd.docker.distribution.manifest.v2+json"
}

@test "build: a RUN that deletes a file of the base gives a whiteout in its layer" {
	ctx wh <<EOF
FROM $IMAGE
RUN rm /etc/group && mkdir /made && echo x >/made/f
EOF
	run_hutch build -q -t wh "$CTX"
	run top_layer_listing localhost/wh
	assert_success
	assert_line --regexp ' etc/\.wh\.group$'
	assert_line --regexp ' made/f$'
	run_hutch run --rm wh sh -c 'test -e /etc/group || echo gone'
	assert_output gone
}

@test "build: multi-stage, the final image holds only the copied artifact" {
	ctx ms <<EOF
FROM $IMAGE AS build
RUN mkdir /out && echo built >/out/artifact && echo junk >/junk
FROM scratch
COPY --from=build /out/artifact /artifact
EOF
	run_hutch build -t ms "$CTX"
	assert_line "[1/2] STEP 1/2: FROM $IMAGE AS build"
	assert_line "[2/2] STEP 2/2: COPY --from=build /out/artifact /artifact"
	run_hutch image inspect --format '{{len .RootFS.Layers}}' ms
	assert_output 1
	run top_layer_listing localhost/ms
	assert_success
	assert_output --regexp '^-rw-r--r-- 0/0 +6 .* artifact$'
	[[ ${#lines[@]} -eq 1 ]] || fail "more than the artifact in the layer"
	# the stage by number too
	sed -i 's/--from=build/--from=0/' "$CTX/Containerfile"
	run_hutch build -q "$CTX"
	# a glob in the stage's tree
	sed -i 's|/out/artifact /artifact|/out/arti* /|' "$CTX/Containerfile"
	run_hutch build -q -t msglob "$CTX"
	run top_layer_listing localhost/msglob
	assert_output --regexp '^-rw-r--r-- 0/0 +6 .* artifact$'
}

@test "build: an unchanged rebuild runs nothing and gives the same ID; a changed file re-runs from its COPY" {
	ctx cache <<EOF
FROM $IMAGE
RUN echo first-run-ran && echo x >/first
COPY data.txt /data.txt
RUN echo second-run-ran && cat /data.txt >/copy
ENV X=1
EOF
	echo one >"$CTX/data.txt"
	run_hutch build -t cached "$CTX"
	assert_line first-run-ran
	assert_line second-run-ran
	id=${lines[-1]}
	run_hutch build -t cached "$CTX"
	refute_line first-run-ran
	refute_line second-run-ran
	assert_line --regexp '^--> Using cache [0-9a-f]{64}$'
	assert_equal "${lines[-1]}" "$id"
	echo two >"$CTX/data.txt"
	run_hutch build -t cached "$CTX"
	refute_line first-run-ran
	assert_line second-run-ran
	[[ ${lines[-1]} != "$id" ]] || fail "same ID after a change"
	run_hutch run --rm cached cat /copy
	assert_output two
	run_hutch build --no-cache -t cached "$CTX"
	assert_line first-run-ran
	refute_line --partial 'Using cache'
}

@test "build: --build-arg, ARG before FROM, ENV and variable substitution" {
	ctx args <<EOF
ARG BASE=$IMAGE
FROM \${BASE}
ARG V=default
ARG UNSET
ENV GREETING="hello \${V}" OTHER=\${UNSET:-fallback}
WORKDIR /w
WORKDIR sub
RUN echo "v=\$V greeting=\$GREETING other=\$OTHER pwd=\$(pwd) arch=\${TARGETARCH:-none}" >/out
LABEL maintainer="me" version=\$V
EOF
	run_hutch build -q -t args "$CTX"
	run_hutch run --rm args cat /out
	assert_output --regexp '^v=default greeting=hello default other=fallback pwd=/w/sub arch=none$'
	run_hutch build -q -t args2 --build-arg V=given "$CTX"
	run_hutch run --rm args2 cat /out
	assert_output --regexp '^v=given greeting=hello given other=fallback pwd=/w/sub'
	run_hutch image inspect --format '{{.Config.WorkingDir}} {{index .Config.Labels "version"}} {{index .Config.Labels "maintainer"}}' args2
	assert_output "/w/sub given me"
	# --pull alone is always (podman's NoOptDefVal), --pull=POLICY
	run_hutch build -q --pull --tls-verify=false -t args3 "$CTX"
	run_hutch build -q --pull=never -t args3 "$CTX"
	run_hutch 125 build -q --pull=sometimes "$CTX"
	# build args are not kept in the image's environment
	run_hutch run --rm args2 sh -c 'echo "[$V]"'
	assert_output "[]"
}

@test "build: .containerignore leaves files out, ! brings some back" {
	ctx ign <<EOF
FROM $IMAGE
COPY . /ctx/
EOF
	mkdir -p "$CTX/dir" "$CTX/logs"
	echo s >"$CTX/secret.txt"
	echo a >"$CTX/dir/a.tmp"
	echo k >"$CTX/dir/keep.tmp"
	echo l >"$CTX/logs/x.log"
	echo ok >"$CTX/ok.txt"
	printf 'secret.txt\n**/*.tmp\n!dir/keep.tmp\nlogs\n' >"$CTX/.containerignore"
	run_hutch build -q -t ign "$CTX"
	run_hutch run --rm ign sh -c 'cd /ctx && find . -type f | sort'
	assert_output "./.containerignore
./Containerfile
./dir/keep.tmp
./ok.txt"
}

@test "build: COPY --chown and --chmod, directories as Docker copies them, globs" {
	ctx own <<EOF
FROM $IMAGE
COPY --chown=1000:1001 --chmod=640 f.txt /owned/
COPY tree /tree
COPY *.md /docs/
COPY --chown=tester:nogroup f.txt /named
COPY --chown=tester f.txt /named2
EOF
	echo f >"$CTX/f.txt"
	mkdir -p "$CTX/tree/sub"
	echo t >"$CTX/tree/sub/t"
	echo 1 >"$CTX/a.md"
	echo 2 >"$CTX/b.md"
	run_hutch build -q -t own "$CTX"
	run_hutch run --rm own sh -c 'ls -n /owned/f.txt | cut -c1-30; cat /tree/sub/t; ls /docs; ls -n /tree/sub/t | cut -c1-30'
	assert_output --regexp '^-rw-r----- +[0-9]+ 1000 +1001 *
t
a.md
b.md
-rw-r--r-- +[0-9]+ 0 +0 *$'
	# names from the image's /etc/passwd and /etc/group
	run_hutch run --rm own sh -c 'ls -n /named /named2 | cut -c1-30'
	assert_output --regexp '^-rw-r--r-- +[0-9]+ 1000 +65534 *
-rw-r--r-- +[0-9]+ 1000 +1000 *$'
	ctx own2 <<EOF
FROM $IMAGE
COPY --chown=nosuchuser f /f
EOF
	echo f >"$CTX/f"
	run_hutch 125 build "$CTX"
	[[ $stderr == *"Containerfile:2: --chown=nosuchuser"* ]] || fail "$stderr"
}

@test "build: heredocs in RUN and COPY" {
	ctx hd <<EOF
FROM $IMAGE
ARG WHO=world
RUN <<EOT
echo line one >/hd
echo "line two \$WHO" >>/hd
EOT
COPY <<EOT /greeting.txt
hello \${WHO}
EOT
RUN cat <<EOT >/third
third
EOT
EOF
	run_hutch build -q -t hd "$CTX"
	run_hutch run --rm hd sh -c 'cat /hd /greeting.txt /third'
	assert_output "line one
line two world
hello world
third"
}

@test "build: HEALTHCHECK, ENTRYPOINT, USER, VOLUME, STOPSIGNAL, SHELL into the config" {
	ctx meta <<EOF
FROM $IMAGE
SHELL ["/bin/sh", "-e", "-c"]
RUN echo shell-ok >/s
HEALTHCHECK --interval=5s --retries=2 CMD test -e /s
ENTRYPOINT ["/bin/echo"]
CMD ["hi"]
USER 1000
VOLUME /data
STOPSIGNAL SIGINT
EOF
	run_hutch build -q -t meta "$CTX"
	run_hutch image inspect --format '{{json .Config.Healthcheck}}' meta
	echo "$output" | jq -e '.Test == ["CMD-SHELL","test -e /s"] and .Interval == 5000000000 and .Retries == 2' >/dev/null
	run_hutch image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.User}} {{json .Config.Volumes}} {{.Config.StopSignal}}' meta
	assert_output '["/bin/echo"] ["hi"] 1000 {"/data":{}} SIGINT'
	run_hutch run --rm meta there
	assert_output there
	# the health code runs the image's HEALTHCHECK
	ctx hc <<EOF
FROM $IMAGE
HEALTHCHECK CMD test -e /healthy
RUN touch /healthy
CMD ["sleep", "300"]
EOF
	run_hutch build -q -t hc "$CTX"
	run_hutch run -d --name hc1 hc
	run_hutch healthcheck run hc1
	run_hutch exec hc1 rm /healthy
	run_hutch 1 healthcheck run hc1
}

@test "build: ONBUILD triggers run when the image is a base" {
	ctx ob1 <<EOF
FROM $IMAGE
ONBUILD RUN echo triggered >/onbuild
EOF
	run_hutch build -q --format docker -t obbase "$CTX"
	ctx ob2 <<EOF
FROM localhost/obbase
RUN cat /onbuild
EOF
	run_hutch build -t obchild "$CTX"
	assert_line triggered
}

@test "build: bad input names the file and line" {
	ctx bad1 <<EOF
FROM $IMAGE
RUN true
FOO bar
EOF
	run_hutch 125 build "$CTX"
	assert_equal "$stderr" "Error: Containerfile:3: unknown instruction: FOO"
	ctx bad2 <<EOF
FROM $IMAGE
RUN <<EOT
never ends
EOF
	run_hutch 125 build "$CTX"
	assert_equal "$stderr" 'Error: Containerfile:2: unterminated heredoc EOT (no line "EOT")'
	ctx bad3 <<EOF
FROM $IMAGE
ENV
EOF
	run_hutch 125 build -f "$CTX/Containerfile" "$CTX"
	assert_output --partial ''
	[[ $stderr == *"Containerfile:2: ENV requires at least one argument" ]] || fail "$stderr"
	run_hutch 125 build "$BATS_TEST_TMPDIR/nothing-here"
}

@test "build: COPY sources out of the context are refused (.., absolute paths, symlinks)" {
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	echo secret >"$BATS_TEST_TMPDIR/outside/x"
	ctx esc1 <<EOF
FROM $IMAGE
COPY ../outside/x /x
EOF
	run_hutch 125 build "$CTX"
	assert_equal "$stderr" 'Error: building at STEP "COPY ../outside/x /x": COPY source ../outside/x: outside the build context: refused'
	ctx esc2 <<EOF
FROM $IMAGE
COPY $BATS_TEST_TMPDIR/outside/x /x
EOF
	run_hutch 125 build "$CTX"
	assert_output --partial ''
	[[ $stderr == *"no such file or directory"* || $stderr == *"No such file"* ]] || fail "$stderr"
	ctx esc3 <<EOF
FROM $IMAGE
COPY link /x
COPY dirlink/ /y/
EOF
	ln -s "$BATS_TEST_TMPDIR/outside/x" "$CTX/link"
	ln -s ../../outside "$CTX/dirlink"
	run_hutch 125 build "$CTX"
	[[ $stderr == *"No such file"* || $stderr == *"no such file"* ]] || fail "$stderr"
	# a symlink inside a copied directory is copied as a link, never followed
	ctx esc4 <<EOF
FROM $IMAGE
COPY d /d
EOF
	mkdir "$CTX/d"
	ln -s "$BATS_TEST_TMPDIR/outside/x" "$CTX/d/l"
	run_hutch build -q -t esc4 "$CTX"
	run_hutch run --rm esc4 sh -c 'readlink /d/l; cat /d/l 2>/dev/null || echo dangling'
	assert_output "$BATS_TEST_TMPDIR/outside/x
dangling"
}

@test "build: a failing RUN stops the build with its exit status and podman's message" {
	ctx fail <<EOF
FROM $IMAGE
RUN echo before
RUN exit 3
RUN echo never
EOF
	run_hutch 3 build -t failed "$CTX"
	assert_line before
	refute_line never
	assert_equal "$stderr" 'Error: building at STEP "RUN exit 3": while running runtime: exit status 3'
	run_hutch 1 image exists failed
	# no build container is left behind
	run_hutch ps -a -q
	assert_output ""
}

@test "build: ADD unpacks a local tar archive" {
	ctx add <<EOF
FROM $IMAGE
ADD files.tar.gz /unpacked/
ADD plain.txt /plain.txt
EOF
	mkdir -p "$BATS_TEST_TMPDIR/tarsrc/sub"
	echo inside >"$BATS_TEST_TMPDIR/tarsrc/sub/in.txt"
	tar --owner=0 --group=0 --numeric-owner -czf "$CTX/files.tar.gz" -C "$BATS_TEST_TMPDIR/tarsrc" sub
	echo plain >"$CTX/plain.txt"
	run_hutch build -q -t added "$CTX"
	run_hutch run --rm added sh -c 'cat /unpacked/sub/in.txt /plain.txt'
	assert_output "inside
plain"
}

@test "build: the Containerfile on stdin (-, -f -); run gives a rootfs without /etc/mtab one" {
	run_hutch build -q -t nomtab - <<EOF
FROM $IMAGE
RUN rm -f /etc/mtab
EOF
	run_hutch run --rm nomtab stat -c %N /etc/mtab
	assert_output "'/etc/mtab' -> '/proc/mounts'"
	mkdir -p "$BATS_TEST_TMPDIR/c"
	echo in-context >"$BATS_TEST_TMPDIR/c/f"
	run_hutch build -q -t fromstdin -f - "$BATS_TEST_TMPDIR/c" <<EOF
FROM $IMAGE
COPY f /f
EOF
	run_hutch run --rm fromstdin cat /f
	assert_output in-context
}

@test "build: RUN --mount: a cache mount kept between builds, bind and tmpfs, none in the layer" {
	ctx mnt <<EOF
FROM $IMAGE
RUN --mount=type=cache,id=c1,target=/cache echo x >>/cache/log && echo "runs=\$(wc -l </cache/log)"
RUN --mount=type=bind,source=sub,target=/src cat /src/f
RUN --mount=type=tmpfs,target=/scratch echo y >/scratch/y && echo tmpfs-ok
EOF
	mkdir -p "$CTX/sub"
	echo bound >"$CTX/sub/f"
	run_hutch build -t mnt "$CTX"
	assert_line "runs=1"
	assert_line bound
	assert_line tmpfs-ok
	run_hutch build --no-cache -t mnt "$CTX"
	assert_line "runs=2"
	run_hutch run --rm mnt sh -c 'ls -d /cache /src /scratch 2>&1 | wc -l; ls /cache /src /scratch 2>/dev/null | wc -l'
	assert_output "3
0"
	# the bind mount is read-only
	ctx mntro <<EOF
FROM $IMAGE
RUN --mount=type=bind,source=sub,target=/src touch /src/new
EOF
	mkdir -p "$CTX/sub"
	run_hutch 1 build "$CTX"
	[[ ! -e $CTX/sub/new ]] || fail "the context was written"
}

@test "build: --secret is readable during RUN and absent from every layer" {
	echo "s3cr3t-value" >"$BATS_TEST_TMPDIR/token"
	ctx sec <<EOF
FROM $IMAGE
RUN --mount=type=secret,id=tok cat /run/secrets/tok && cp /run/secrets/tok /dev/null
RUN --mount=type=secret,id=tok,target=/tok test -s /tok && echo target-ok
EOF
	run_hutch build --secret id=tok,src="$BATS_TEST_TMPDIR/token" -t sec "$CTX"
	assert_line "s3cr3t-value"
	assert_line target-ok
	mkdir -p "$BATS_TEST_TMPDIR/secsave"
	run_hutch save -o "$BATS_TEST_TMPDIR/secsave/img.tar" sec
	tar -xf "$BATS_TEST_TMPDIR/secsave/img.tar" -C "$BATS_TEST_TMPDIR/secsave"
	local l
	for l in $(jq -r '.[0].Layers[]' "$BATS_TEST_TMPDIR/secsave/manifest.json"); do
		if tar -xOf "$BATS_TEST_TMPDIR/secsave/$l" | grep -q s3cr3t; then
			fail "the secret is in layer $l"
		fi
		if tar -tf "$BATS_TEST_TMPDIR/secsave/$l" | grep -Eq '(^|/)(run/secrets|tok)(/|$)'; then
			fail "a secret's mount point is in layer $l"
		fi
	done
	ctx sec2 <<EOF
FROM $IMAGE
RUN --mount=type=secret,id=missing true
EOF
	run_hutch 125 build "$CTX"
	[[ $stderr == *"no --secret id=missing given"* ]] || fail "$stderr"
}

@test "build: mount sources that climb out are refused (CVE-2024-9675, CVE-2024-23651/23652, CVE-2025-4953)" {
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	echo secret >"$BATS_TEST_TMPDIR/outside/x"
	# a bind mount of something outside the context
	ctx cve1 <<EOF
FROM $IMAGE
RUN --mount=type=bind,source=../outside,target=/o cat /o/x
EOF
	run_hutch 125 build "$CTX"
	[[ $stderr == *"bind mount source ../outside: outside"*"refused"* ]] || fail "$stderr"
	refute_line secret
	# through a symlink in the context
	ctx cve2 <<EOF
FROM $IMAGE
RUN --mount=type=bind,source=link,target=/o cat /o/x
EOF
	ln -s "$BATS_TEST_TMPDIR/outside" "$CTX/link"
	run_hutch 125 build "$CTX"
	[[ $stderr == *"symbolic links are refused"* ]] || fail "$stderr"
	refute_line secret
	# a cache mount whose source climbs out of the cache
	ctx cve3 <<EOF
FROM $IMAGE
RUN --mount=type=cache,id=x,source=../../..,target=/c ls /c
EOF
	run_hutch 125 build "$CTX"
	[[ $stderr == *"cache mount source ../../..: outside the cache: refused"* ]] || fail "$stderr"
	# an absolute bind source is the context's own path, not the host's
	ctx cve4 <<EOF
FROM $IMAGE
RUN --mount=type=bind,source=$BATS_TEST_TMPDIR/outside,target=/o cat /o/x
EOF
	run_hutch 125 build "$CTX"
	refute_line secret
}

@test "build: ADD of a URL fetches it (libcurl)" {
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo "served over http" >"$BATS_TEST_TMPDIR/www/remote.txt"
	local port
	port=$(free_port)
	python3 -m http.server --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR/www" "$port" \
		>/dev/null 2>&1 3>&- &
	local srv=$!
	fetch "http://127.0.0.1:$port/remote.txt" >/dev/null
	ctx url <<EOF
FROM $IMAGE
ADD http://127.0.0.1:$port/remote.txt /dl/
EOF
	run_hutch build -q -t url "$CTX"
	kill "$srv"
	run_hutch run --rm url cat /dl/remote.txt
	assert_output "served over http"
}

# podman 4.3.1 as the test user, with a store of its own in the test dir.
pm() {
	podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$BATS_TEST_TMPDIR/prun" \
		--tmpdir "$BATS_TEST_TMPDIR/ptmp" --runtime runc --cgroup-manager=cgroupfs \
		--events-backend=file --storage-driver vfs "$@" 3>&-
}

@test "build, push: the whiteout is in the pushed layer blob; an image podman builds and pushes runs in hutch" {
	command -v podman >/dev/null || skip_machine "podman is not installed"
	local reg=${HUTCH_REGISTRY:-127.0.0.1:5000} accept
	accept='application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json'
	ctx pushwh <<EOF
FROM $IMAGE
RUN rm /etc/group
EOF
	run_hutch build -q -t "$reg/built-wh-$$:latest" "$CTX"
	run_hutch push -q --tls-verify=false "$reg/built-wh-$$:latest"
	local digest
	digest=$(curl -sf -H "Accept: $accept" "http://$reg/v2/built-wh-$$/manifests/latest" | jq -r '.layers[-1].digest')
	[[ $digest == sha256:* ]]
	run bash -c "curl -sf 'http://$reg/v2/built-wh-$$/blobs/$digest' | tar -tzv"
	assert_success
	assert_line --regexp ' etc/\.wh\.group$'
	# podman builds and pushes; hutch pulls and runs it
	ctx podbuilt <<EOF
FROM $IMAGE
RUN echo from-podman >/built
CMD ["cat", "/built"]
EOF
	run pm build -q --tls-verify=false -t "$reg/podbuilt-$$:latest" "$CTX"
	assert_success
	run pm push -q --tls-verify=false "$reg/podbuilt-$$:latest"
	assert_success
	run_hutch pull -q --tls-verify=false "$reg/podbuilt-$$:latest"
	run_hutch run --rm "$reg/podbuilt-$$:latest"
	assert_output from-podman
	pm unshare rm -rf "$BATS_TEST_TMPDIR/podman" >/dev/null 2>&1 || true
}

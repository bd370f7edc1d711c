/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman's inspect documents of containers and pods, shaped from the facts the engine gives
 * (eng_ctr_inspect, eng_pod_inspect): shared by the CLI and any front end that speaks
 * podman's API. The engine never sees these shapes.
 */
#pragma once

#include <json-c/json.h>

/* podman's `container inspect` document (Config, HostConfig, State, NetworkSettings, ...) of
 * an engine document (owned result; eng is not changed). */
struct json_object *inspect_ctr_podman(struct json_object *eng);
/* podman's `pod inspect` document (InfraConfig, SharedNamespaces, ...) of an engine pod
 * document (owned result). */
struct json_object *inspect_pod_podman(struct json_object *eng);
/* podman's NetworkSettings.Ports map, {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}, of
 * the engine's Ports array (owned). */
struct json_object *inspect_ports_podman(struct json_object *ports);

/* SPDX-License-Identifier: Apache-2.0 */
/* `ps` and `pod ps` rows in podman's shape, from the facts the engine gives. */
#pragma once

#include "tool/render.h"
#include "oci/engine.h"

/* One `ps` row, owned: with json, podman's `ps --format json` document (Names and Command
 * lists, Created a Unix time, ...); else the row templates see, podman's psReporter (ID,
 * Names, Command, Ports and Created as text, RunningFor, ...). */
struct json_object *ps_fmt_row(const struct eng_ctr *c, bool no_trunc, bool json);
/* The default `ps` table's row, the same text as those fields of ps_fmt_row: ID, Image,
 * Command, Created, Status, Ports and Names, tab-separated (owned). */
char *ps_fmt_line(const struct eng_ctr *c, bool no_trunc);
/* One `pod ps` row, owned: with json, podman's `pod ps --format json` document (Cgroup,
 * Containers, Created, Id, InfraId, Name, Namespace, Networks, Status, Labels); else the
 * row templates see (ID, Id, Name, Status, Created as "... ago", CreatedAt, InfraID,
 * InfraId, NumberOfContainers, Labels, Containers, ...). */
struct json_object *ps_fmt_pod_row(struct eng *eng, struct eng_pod *p, bool json);

/* SPDX-License-Identifier: Apache-2.0 */
/* `ps` and `pod ps` rows in podman's shape, from the facts the engine gives. */
#pragma once

#include "tool/render.h"
#include "oci/engine.h"

/* One `ps` row as JSON (ID, Id, Names, Image, ImageID, Command, CreatedAt, Created, Status,
 * State, ExitCode, Pid, Ports, Labels, Pod), owned. */
struct json_object *ps_fmt_row(const struct eng_ctr *c, bool no_trunc);
/* The default `ps` table's row, the same text as those fields of ps_fmt_row: ID, Image,
 * Command, Created, Status, Ports and Names, tab-separated (owned). */
char *ps_fmt_line(const struct eng_ctr *c, bool no_trunc);
/* One `pod ps` row (ID, Id, Name, Status, Created, CreatedAt, InfraID, InfraId,
 * NumberOfContainers, Labels, Containers), owned. */
struct json_object *ps_fmt_pod_row(struct eng *eng, struct eng_pod *p);

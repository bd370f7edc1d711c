# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# The root suite's way to the shared helpers: bats resolves a relative `load` (such as the
# runtime helpers' `load helpers`) against the test file's own directory, this one.

load ../helpers

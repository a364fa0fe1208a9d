/* SPDX-License-Identifier: MIT */
/*
 * cmd.h: the subcommands of the `entitled` binary. Each returns the process's exit status:
 * 0 on success, 1 on failure, 2 on a usage error.
 */
#ifndef ENT_CMD_CMD_H
#define ENT_CMD_CMD_H

#ifndef ENT_VERSION
#define ENT_VERSION "0.1.0"
#endif

int ent_cmd_serve(int argc, char **argv);
int ent_cmd_migrate(int argc, char **argv);
int ent_cmd_keys(int argc, char **argv);
int ent_cmd_import(int argc, char **argv);
int ent_cmd_backup(int argc, char **argv);
int ent_cmd_export(int argc, char **argv);
int ent_cmd_copy(int argc, char **argv);
/* cmd_licenses.c (issue 13: signed licenses) */
int ent_cmd_license(int argc, char **argv);
int ent_cmd_signing_keys(int argc, char **argv);

#endif /* ENT_CMD_CMD_H */

/* plugin_load.c: being written (see plugin_load.h) */

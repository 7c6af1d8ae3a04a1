/* config_values.c: being written (see config_values.h) */

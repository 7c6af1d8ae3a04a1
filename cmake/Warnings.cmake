# Warnings collected on one interface target that every target links.
add_library(scaled_warnings INTERFACE)
target_compile_options(scaled_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wshadow -Wstrict-prototypes
   -Wmissing-prototypes -Wformat=2 -Wundef -Wpointer-arith -Wvla
   -Wnull-dereference -Wdouble-promotion>)
if(SCALED_WERROR)
  target_compile_options(scaled_warnings INTERFACE $<$<COMPILE_LANGUAGE:C>:-Werror>)
endif()

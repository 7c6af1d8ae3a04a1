# AddressSanitizer + UndefinedBehaviorSanitizer for every target, and a hard
# failure on the first UB report so tests cannot pass over it.
if(SCALED_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

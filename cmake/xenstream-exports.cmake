# The linker version script of libxenstream.so, from the public header:
# every function include/xenstream.h declares is exported, nothing else.
# The header is the one list of the API, so a function added there is
# exported by the next build, and one that is not there stays internal.
#
#   cmake -DHEADER=include/xenstream.h -DOUT=xenstream.map -P xenstream-exports.cmake
#
# A function is a name xs_... followed by "(" once comments and
# preprocessor lines are gone (those name functions too, and a
# function-like macro is no symbol); a pointer to a function, as in
# "(*xs_finding_fn)(", is followed by ")" and so left out.  A static
# (inline) function is defined in every user and is no symbol either.
cmake_minimum_required(VERSION 3.18)
if(NOT HEADER OR NOT OUT)
  message(FATAL_ERROR "usage: cmake -DHEADER=xenstream.h -DOUT=FILE -P ${CMAKE_SCRIPT_MODE_FILE}")
endif()
file(READ "${HEADER}" text)
# /* comments */ first (one may hold "//"), then // comments
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " text "${text}")
string(REGEX REPLACE "//[^\n]*" " " text "${text}")
# preprocessor lines, continuations included
string(REGEX REPLACE "\\\\\r?\n" " " text "${text}")
string(REGEX REPLACE "\n[ \t]*#[^\n]*" "\n" text "\n${text}")

set(ws "[ \t\r\n]*")
string(REGEX MATCHALL "xs_[A-Za-z0-9_]+${ws}\\(" found "${text}")
string(REGEX MATCHALL "static[^;{}()]*[^A-Za-z0-9_]xs_[A-Za-z0-9_]+${ws}\\("
       statics "${text}")
set(names "")
foreach(m IN LISTS found)
  string(REGEX REPLACE "^(xs_[A-Za-z0-9_]+).*" "\\1" m "${m}")
  list(APPEND names "${m}")
endforeach()
foreach(m IN LISTS statics)
  string(REGEX REPLACE ".*[^A-Za-z0-9_](xs_[A-Za-z0-9_]+)${ws}\\($" "\\1" m "${m}")
  list(REMOVE_ITEM names "${m}")
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
if(NOT names)
  message(FATAL_ERROR "${HEADER}: no xs_ function found")
endif()

set(map "/* Generated from ${HEADER} by xenstream-exports.cmake: do not edit. */\n")
string(APPEND map "XENSTREAM_0 {\n  global:\n")
foreach(n IN LISTS names)
  string(APPEND map "    ${n};\n")
endforeach()
string(APPEND map "  local:\n    *;\n};\n")
file(WRITE "${OUT}" "${map}")

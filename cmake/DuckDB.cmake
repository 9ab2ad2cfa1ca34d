# DuckDB 1.5.6 (libduckdb.so; duckdb.h from 1.4.4, identical in what we use: see src/engine/local/README.md,
# "DuckDB version"), fetched by scripts/setup.sh from npm into third_party/duckdb (never committed). Only the local
# engine links it: the Lambda bootstrap must not. Without it the configure fails, unless the local engine
# (and with it the server, `serve`, the sample generator and their tests) is turned off explicitly with
# -DAR_LOCAL_ENGINE=OFF.
if(NOT AR_LOCAL_ENGINE)
  message(STATUS "AR_LOCAL_ENGINE=OFF: no local engine, no local endpoint, no sample generator")
  return()
endif()
set(AR_DUCKDB_DIR ${PROJECT_SOURCE_DIR}/third_party/duckdb)
if(NOT EXISTS ${AR_DUCKDB_DIR}/lib/libduckdb.so OR NOT EXISTS ${AR_DUCKDB_DIR}/include/duckdb.h)
  message(FATAL_ERROR "DuckDB is not in ${AR_DUCKDB_DIR} (lib/libduckdb.so, include/duckdb.h): run scripts/setup.sh "
    "to fetch it, or configure with -DAR_LOCAL_ENGINE=OFF to build without the local engine.")
endif()
add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION ${AR_DUCKDB_DIR}/lib/libduckdb.so
  IMPORTED_NO_SONAME ON
  INTERFACE_INCLUDE_DIRECTORIES ${AR_DUCKDB_DIR}/include)

# DuckDB 1.4.4, fetched by scripts/setup.sh from npm into third_party/duckdb (never committed).
# Only the local engine links it: the Lambda bootstrap must not.
set(AR_DUCKDB_DIR ${PROJECT_SOURCE_DIR}/third_party/duckdb)
if(EXISTS ${AR_DUCKDB_DIR}/lib/libduckdb.so AND EXISTS ${AR_DUCKDB_DIR}/include/duckdb.h)
  add_library(duckdb SHARED IMPORTED GLOBAL)
  set_target_properties(duckdb PROPERTIES
    IMPORTED_LOCATION ${AR_DUCKDB_DIR}/lib/libduckdb.so
    IMPORTED_NO_SONAME ON
    INTERFACE_INCLUDE_DIRECTORIES ${AR_DUCKDB_DIR}/include)
  set(AR_HAVE_DUCKDB ON)
else()
  message(WARNING "DuckDB not found in ${AR_DUCKDB_DIR}: run scripts/setup.sh to fetch it. The local engine is not built.")
  set(AR_HAVE_DUCKDB OFF)
endif()

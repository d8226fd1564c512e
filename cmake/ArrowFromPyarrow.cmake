# Arrow C++ comes from the pinned pyarrow wheel in .venv: the wheel ships headers and versioned
# shared libraries but no CMake config, so we declare IMPORTED targets on those files ourselves.
# Targets: Arrow::arrow, Arrow::compute, Arrow::acero, Arrow::parquet. Binaries get an RPATH to the
# wheel's directory and run without LD_LIBRARY_PATH. libarrow_python is never linked.

set(DEEPRC_PYTHON "${CMAKE_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH
    "Python interpreter whose pyarrow provides Arrow C++")
if(NOT EXISTS "${DEEPRC_PYTHON}")
  message(FATAL_ERROR "No ${DEEPRC_PYTHON}: run scripts/setup first (it creates .venv with pyarrow)")
endif()

execute_process(
  COMMAND "${DEEPRC_PYTHON}" -c
          "import pyarrow as pa; print(pa.__version__); print(pa.get_include()); print(pa.get_library_dirs()[0])"
  OUTPUT_VARIABLE _pyarrow_out RESULT_VARIABLE _pyarrow_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _pyarrow_rc EQUAL 0)
  message(FATAL_ERROR "pyarrow is not importable from ${DEEPRC_PYTHON}: run scripts/setup")
endif()
string(REPLACE "\n" ";" _pyarrow_out "${_pyarrow_out}")
list(GET _pyarrow_out 0 ARROW_VERSION)
list(GET _pyarrow_out 1 ARROW_INCLUDE_DIR)
list(GET _pyarrow_out 2 ARROW_LIBRARY_DIR)
message(STATUS "Arrow C++ ${ARROW_VERSION} from pyarrow: ${ARROW_LIBRARY_DIR}")

function(_deeprc_import_arrow_library target stem)
  # The wheel holds lib<stem>.so.<SOVERSION> (e.g. libarrow.so.2300); pick that exact file.
  file(GLOB _candidates "${ARROW_LIBRARY_DIR}/lib${stem}.so.[0-9]*")
  list(FILTER _candidates EXCLUDE REGEX "\\.so\\.[0-9]+\\.[0-9]")
  list(LENGTH _candidates _count)
  if(NOT _count EQUAL 1)
    message(FATAL_ERROR "Expected one lib${stem}.so.N in ${ARROW_LIBRARY_DIR}, found: ${_candidates}")
  endif()
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${_candidates}"
    IMPORTED_NO_SONAME FALSE
    INTERFACE_INCLUDE_DIRECTORIES "${ARROW_INCLUDE_DIR}")
endfunction()

_deeprc_import_arrow_library(Arrow::arrow arrow)
_deeprc_import_arrow_library(Arrow::compute arrow_compute)
_deeprc_import_arrow_library(Arrow::acero arrow_acero)
_deeprc_import_arrow_library(Arrow::parquet parquet)
set_property(TARGET Arrow::compute APPEND PROPERTY INTERFACE_LINK_LIBRARIES Arrow::arrow)
set_property(TARGET Arrow::acero APPEND PROPERTY INTERFACE_LINK_LIBRARIES Arrow::compute)
set_property(TARGET Arrow::parquet APPEND PROPERTY INTERFACE_LINK_LIBRARIES Arrow::arrow)

list(APPEND CMAKE_BUILD_RPATH "${ARROW_LIBRARY_DIR}")
list(APPEND CMAKE_INSTALL_RPATH "${ARROW_LIBRARY_DIR}")

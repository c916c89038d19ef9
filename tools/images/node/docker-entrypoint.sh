#!/bin/sh
# The official node image's entrypoint: runs the command with node if the first argument
# contains a "-" or is not a system command.
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"

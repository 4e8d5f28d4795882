#!/bin/sh
# Starts Turnout in its container: renders the mounted config with the admin token from the
# environment, then runs the jar as PID 1 so SIGTERM (docker stop) drains it gracefully.
set -eu

template="${TURNOUT_CONFIG:-/etc/turnout/turnout.json}"
rendered=/tmp/turnout.json

# The admin API listens on 0.0.0.0 inside the container, so it must have a token.
if [ -z "${TURNOUT_ADMIN_TOKEN:-}" ]; then
    echo "turnout: set TURNOUT_ADMIN_TOKEN; the admin API listens on 0.0.0.0 in this container" >&2
    exit 1
fi
# Safe to splice into JSON and into the sed expression below.
case "$TURNOUT_ADMIN_TOKEN" in
    *[!A-Za-z0-9._~+/=-]*)
        echo "turnout: TURNOUT_ADMIN_TOKEN may hold only letters, digits and ._~+/=-" >&2
        exit 1
        ;;
esac
if [ ! -f "$template" ]; then
    echo "turnout: no config at $template; mount one (see docker-compose.yml)" >&2
    exit 1
fi
sed "s|@TURNOUT_ADMIN_TOKEN@|$TURNOUT_ADMIN_TOKEN|g" "$template" > "$rendered"

# JAVA_OPTS is split on spaces on purpose.
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -jar /opt/turnout/turnout.jar -configFile="$rendered" \
    -logLevel="${TURNOUT_LOG_LEVEL:-INFO}" "$@"

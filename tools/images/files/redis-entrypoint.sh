#!/bin/sh
# Entrypoint of the locally built redis image (Debian's redis-server), after the
# official image's: first argument "-..." or "*.conf" means redis-server args;
# runs as the redis user; without a config file, protected mode is off so other
# containers of the pod (or other pods) can connect.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  mkdir -p /data
  chown redis:redis /data 2>/dev/null || true
  exec runuser -u redis -- "$0" "$@"
fi
if [ "$1" = redis-server ]; then
  case " $* " in
    *" --protected-mode "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
fi
exec "$@"

# The Arena app: one image for web (uvicorn, ASGI), Celery worker and Celery beat.
# CPU build by default; a GPU worker image installs the CUDA torch wheel (docs/deployment.md).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ARENA_VAR_DIR=/var/lib/arena

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app arena \
    && mkdir -p /var/lib/arena/media /var/lib/arena/staticfiles \
    && chown -R arena /var/lib/arena

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY requirements.txt .
RUN pip install --extra-index-url "$TORCH_INDEX_URL" -r requirements.txt

COPY . .
# collectstatic needs settings, not servers: throw-away values that never reach runtime.
RUN SECRET_KEY=build DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost \
    python manage.py collectstatic --no-input -v 0 \
    && chown -R arena /var/lib/arena

USER arena
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# arena.launcher.web holds the server options (uvicorn, httptools, uvloop, WebSocket limits).
CMD ["python", "-m", "arena.launcher.web", "--bind", "0.0.0.0:8000"]

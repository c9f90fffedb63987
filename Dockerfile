FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin samverkan \
    && mkdir -p /data && chown samverkan /data

USER samverkan
VOLUME ["/data"]

# Healthy while the homeserver answers and the stored session is accepted.
HEALTHCHECK --interval=60s --timeout=15s --start-period=30s --retries=3 \
    CMD ["samverkan-bot", "check"]

ENTRYPOINT ["samverkan-bot"]
CMD ["run"]

# licensebot's production image (docs/operations.md): the app built as a wheel and installed on a slim
# Python, run as a non-root user. Default command: `licensebot serve` over HTTP on port 3000.
#   docker build -t licensebot .
#   docker run --env-file .env -p 3000:3000 licensebot                    # serve (+ embedded worker)
#   docker run --env-file .env licensebot worker --no-migrate              # any other command
# compose.yaml runs the whole thing (PostgreSQL, the schema upgrade, 2 x serve, a worker).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY store ./store
# The app and every dependency as wheels: the runtime stage installs them without a compiler or the source.
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    LOG_FORMAT=json
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels licensebot \
    && rm -rf /wheels \
    && useradd --system --create-home --home-dir /home/licensebot --uid 10001 licensebot
USER licensebot
WORKDIR /home/licensebot
EXPOSE 3000
# Liveness only (the process answers HTTP): readiness (/health/ready) is for the load balancer.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/health/live', timeout=2)"]
ENTRYPOINT ["licensebot"]
CMD ["serve", "--port", "3000"]

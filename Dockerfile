# chotdon production image: the same `chotdon migrate | serve | worker` commands as everywhere.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/chotdon
COPY pyproject.toml README.md ./
COPY schema ./schema
COPY connectors ./connectors
COPY aggregator ./aggregator
COPY workers ./workers
RUN /opt/chotdon/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --create-home --uid 10001 chotdon
COPY --from=build /opt/chotdon /opt/chotdon
ENV PATH=/opt/chotdon/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CHOTDON_HOST=0.0.0.0 \
    CHOTDON_PORT=8080
USER chotdon
WORKDIR /home/chotdon
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz').status != 200)"
CMD ["chotdon", "serve"]

"""A bare FastAPI hello-world, served by uvicorn like the API: the HTTP ceiling of this machine.

``uvicorn bench.hello_app:app``. Nothing of the project is imported, so it costs what FastAPI
and uvicorn cost and no more.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}

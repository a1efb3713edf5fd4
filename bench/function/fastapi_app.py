"""What a user would run instead of Plinth: the same Python function behind FastAPI."""

from fastapi import FastAPI

app = FastAPI()


def simple_sum(param1: int, param2: int) -> int:
    return param1 + param2


@app.get("/public/api/v1/python_svc/simple_sum/run")
def run_get(param1: int, param2: int):
    return {"response": simple_sum(param1, param2)}


@app.post("/public/api/v1/python_svc/simple_sum/run")
def run_post(body: dict):
    return {"response": simple_sum(int(body["param1"]), int(body["param2"]))}

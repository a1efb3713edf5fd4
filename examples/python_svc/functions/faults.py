"""Functions that misbehave: the sandbox answers each with a clear error."""

import wit_world


class WitWorld(wit_world.WitWorld):
    def fail(self, message: str) -> str:
        raise ValueError(message)

    def spin(self) -> int:
        n = 0
        while True:
            n += 1

    def read_file(self, path: str) -> str:
        with open(path) as f:
            return f.read()

    def grow(self, mib: int) -> int:
        block = bytearray(mib * 1024 * 1024)
        return len(block) // (1024 * 1024)

class RoundCodeConverter:
    """A round's code in URLs: 2564-2 (fiscal year in Buddhist Era, round number)."""

    regex = r"[0-9]{4}-[0-9]{1,2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)

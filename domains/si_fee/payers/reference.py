def load():
    return ""

def seed(scale, out):
    return ""

from gitops_ci.main import entry

if __name__ == "__main__":
    entry()

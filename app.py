"""Hub's WSGI app (``app:app``) and the all-in-one runner (``python app.py [--demo]``)."""

from hub import create_app

app = create_app()

if __name__ == "__main__":
    from hub.runner import run_all

    run_all(app)

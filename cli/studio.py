"""`musegen studio [--port 8765] [--open]`: the local web studio (127.0.0.1, no network)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but 127.0.0.1/localhost exposes your songs to the network.")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), default=Path("studio-songs"),
              show_default=True, help="Working folder: songs are written and read only inside it.")
@click.option("--open", "open_browser", is_flag=True, help="Open the studio in the default browser.")
@click.option("--no-audio", is_flag=True, help="Skip audio rendering (MIDI, MusicXML and lyrics only).")
@click.option("--vocals", type=click.Choice(["on", "off"]), default="on", show_default=True,
              help="on: new songs are sung by a voice; off: the vocal line plays on an instrument (faster).")
@click.option("--verbose", is_flag=True, help="Log every request.")
def studio(port: int, host: str, folder: Path, open_browser: bool, no_audio: bool, vocals: str,
           verbose: bool) -> None:
    """Write, hear, read and edit songs in the browser, on this machine only.

    Generate from a prompt, play with the sung line highlighted, click a line or section to rewrite it,
    keep versions and go back, download the files.
    """
    from musegen.errors import MusegenError
    from musegen.studio import make_server

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: --host {host} makes the studio reachable from other machines", err=True)
    try:
        server = make_server(folder, host=host, port=port, audio=not no_audio, vocals=vocals == "on",
                             verbose=verbose)
    except OSError as exc:
        raise click.UsageError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
                               "pick another port, e.g. --port 0") from None
    except MusegenError as exc:
        raise click.UsageError(str(exc)) from None
    from musegen.studio.actions import warm

    warm(server.studio)  # the models load once, in the background, before the first request needs them
    url = f"http://{host}:{server.server_address[1]}/"
    click.echo(f"musegen studio: {url}  (songs in {server.studio.folder}; Ctrl+C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.server_close()
        server.studio.worker.stop()

"""The ``guidesite`` command: parse arguments, run the stages, map errors to exit codes."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import click

from . import __version__
from .build import BuildReport
from .errors import BuildError, ContentError, GuidesiteError, Problem, UsageProblem
from .pipeline import Pipeline

log = logging.getLogger("guidesite")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True, help="Project folder (holds content/, site_config/, theme/, mkdocs.yml).")
@click.option("--debug", is_flag=True, help="Show tracebacks and MkDocs' own log.")
@click.version_option(__version__, "--version", prog_name="guidesite", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, project: Path, debug: bool) -> None:
    """Build a medical guideline site from structured YAML articles."""
    ctx.obj = {"project": project, "debug": debug}
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.DEBUG if debug else logging.WARNING)
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.setLevel(logging.DEBUG if debug else logging.WARNING)
    # MkDocs' warnings fail a strict build; build.py collects and reports them once.
    mkdocs_log.propagate = debug


@main.command()
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder (default: <project>/site).")
@click.option("--drafts", is_flag=True, help="Include draft articles (for previews only).")
@click.option("--timings", is_flag=True, help="Print how long each stage took.")
@click.option("--judge-by", metavar="REF", default=None, help="Count approvals by the reviewer registry and rules of this git ref (a pull request's build: its base).")
@click.option("--engine", type=click.Choice(["mkdocs", "zensical"]), default=None,
              help="Engine that turns the Markdown into HTML (default: site_config/site.yaml's engine, else mkdocs; zensical is experimental).")
@click.option("--shard", metavar="K/N", default=None,
              help="Build only shard K of N (1 ≤ K ≤ N) into --site-dir, for 'guidesite assemble' to join (a CI job matrix).")
@click.option("--no-history", is_flag=True,
              help="Build even where there is no git history: current pages only, no permanent copies of approved versions (a preview; publish refuses it).")
@click.pass_context
def build(ctx: click.Context, site_dir: Path | None, drafts: bool, timings: bool, judge_by: str | None, engine: str | None,
          shard: str | None, no_history: bool) -> None:
    """Validate content/, render it and build the site into site/."""
    from .shards import Shard

    project: Path = ctx.obj["project"]
    try:
        part = Shard.parse(shard) if shard is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None
    if part is not None and site_dir is None:
        raise click.UsageError("--shard needs --site-dir: the folder CI keeps for 'guidesite assemble'")
    started = time.perf_counter()
    progress = _Progress()
    pipeline = Pipeline(project, progress=progress, judge_by=judge_by)
    with _reporting(ctx), progress:
        if not no_history and pipeline.history is None:
            raise BuildError([f"expected a git repository at {project}: the permanent copies of approved versions, which "
                              "citations lead to, are built from its history, and a site without them would drop every one; "
                              "build in a clone (not an exported copy), or give --no-history to build current pages only (a preview)"])
        report = BuildReport()
        built = pipeline.build(site_dir or project / "site", drafts=drafts, report=report, engine=engine, shard=part)
    took = time.perf_counter() - started
    if part is not None:
        click.echo(f"Built shard {part} of {built.pages} pages ({built.articles} articles) into {built.site_dir} in {took:.1f} s")
    elif report.unchanged:
        click.echo(f"Nothing changed: {built.site_dir} is up to date ({built.articles} articles checked in {took:.1f} s)")
    else:
        kept = f", {report.pages_kept:,} pages kept from the last build" if report.pages_kept else ""
        click.echo(f"Built {built.pages} pages ({built.articles} articles; {report.markdown_written} source file(s) regenerated{kept}) "
                   f"into {built.site_dir} in {took:.1f} s")
    if timings:
        for stage, seconds in progress.timings():
            click.echo(f"{seconds:7.2f} s  {stage}")
    if no_history and pipeline.history is None:
        click.echo("Note: built without git history: current pages only, no permanent copies of approved versions "
                   "(guidesite publish refuses such a build unless told --no-history)", err=True)


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path), default=None, help="The site folder to replace (default: <project>/site).")
@click.option("--timings", is_flag=True, help="Print how long each stage took.")
@click.pass_context
def assemble(ctx: click.Context, folders: tuple[Path, ...], to: Path | None, timings: bool) -> None:
    """Join the FOLDERS of every shard of a sharded build ('build --shard K/N') into one site."""
    project: Path = ctx.obj["project"]
    started = time.perf_counter()
    progress = _Progress()
    with _reporting(ctx), progress:
        files = Pipeline(project, progress=progress).assemble(list(folders), to or project / "site")
    click.echo(f"Assembled {len(folders)} shards ({files:,} files) into {to or project / 'site'} in {time.perf_counter() - started:.1f} s")
    if timings:
        for stage, seconds in progress.timings():
            click.echo(f"{seconds:7.2f} s  {stage}")


@main.command()
@click.argument("article", metavar="ARTICLE")
@click.pass_context
def preview(ctx: click.Context, article: str) -> None:
    """Build a site of just ARTICLE (an id or a file) and the articles it links to, into build/preview/site."""
    from .preview import preview as preview_site

    started = time.perf_counter()
    with _reporting(ctx):
        made = preview_site(Pipeline(ctx.obj["project"]), article)
    click.echo(f"Preview of {made.articles} article(s) in {made.site_dir} ({time.perf_counter() - started:.1f} s)")
    click.echo(f"The article: {made.site_dir / made.page}")
    click.echo(f"Serve it with: python3 -m http.server -d {made.site_dir} 8000, then open http://127.0.0.1:8000/{made.page.removesuffix('index.html')}")


@main.command(name="validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True, help="github prints ::error annotations for pull requests.")
@click.option("--no-cache", is_flag=True, help="Read and check every file afresh (by default an unchanged file's own checks are kept in the user's cache).")
@click.pass_context
def validate_command(ctx: click.Context, paths: tuple[Path, ...], fmt: str, no_cache: bool) -> None:
    """Check articles (all, or PATHS) and the site configuration."""
    ctx.obj["format"] = fmt
    project: Path = ctx.obj["project"]
    with _reporting(ctx):
        count = Pipeline(project).validate_files(list(paths) or None, cache=not no_cache)
    checked = "the site configuration" if not paths else "the site configuration (and every other article, for links)"
    click.echo(f"OK: {count} article(s) and {checked} are valid")


@main.command()
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@click.option("--no-drafts", is_flag=True, help="Hide draft articles in the preview.")
@click.pass_context
def serve(ctx: click.Context, dev_addr: str, no_drafts: bool) -> None:
    """Preview the site with live reload on content, config or theme changes."""
    from .serve import serve as serve_site

    logging.getLogger("guidesite").setLevel(logging.INFO)
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    logging.getLogger("mkdocs").propagate = True  # show "Serving on …" and rebuilds
    with _reporting(ctx):
        serve_site(Pipeline(ctx.obj["project"]), dev_addr=dev_addr, drafts=not no_drafts)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--publisher", prompt="Publisher's name", help="The publisher's name, as every page's footer shows it.")
@click.option("--site-url", prompt="Address the site is published at", help="Where the site is published, such as https://guidance.example.org/.")
@click.option("--contact", prompt="Editors' e-mail address", help="Where readers write to the editors.")
@click.option("--editor-id", prompt="First editor's id (lower-case, such as jane-doe)", help="The first member of the board, an editor.")
@click.option("--editor-name", prompt="First editor's name", help="Their name as the board page shows it.")
@click.option("--editor-credentials", prompt="First editor's credentials (such as MD, cardiologist)", help="Degrees and role.")
@click.option("--editor-github", default=None, help="Their GitHub login (their reviews are recorded as approvals).")
@click.option("--editor-email", default=None, help="Their e-mail address.")
@click.option("--editor-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Their public SSH key, which signs their approvals (~/.ssh/id_ed25519.pub).")
@click.option("--specialty", "specialties", multiple=True, metavar="ID=NAME", help="A specialty (repeatable), such as cardiology=Cardiology.")
@click.option("--install-from", metavar="URL", default=None,
              help="Where the workflows install guidesite from instead of the package index: the https:// address of this "
                   "release's wheel (requirements/guidesite.lock names it).")
@click.pass_context
def init(ctx: click.Context, directory: Path, publisher: str, site_url: str, contact: str, editor_id: str, editor_name: str,
         editor_credentials: str, editor_github: str | None, editor_email: str | None, editor_key: Path | None,
         specialties: tuple[str, ...], install_from: str | None) -> None:
    """Write a publisher's own content repository into DIRECTORY (new or empty), ready to build."""
    from .render import build_date
    from .starter import Answers, Editor, init as write_repository

    if not specialties:
        specialties = tuple(s.strip() for s in click.prompt("Specialties, as ID=Name separated by commas").split(",") if s.strip())
    pairs = [(given.partition("=")[0].strip(), given.partition("=")[2].strip()) for given in specialties]
    key = editor_key.read_text(encoding="utf-8").strip().splitlines()[0] if editor_key else None
    with _reporting(ctx):
        written = write_repository(directory, Answers(publisher.strip(), site_url.strip(), contact.strip(), Editor(
            editor_id.strip(), editor_name.strip(), editor_credentials.strip(), editor_github, editor_email, key), pairs,
            install_from=install_from.strip() if install_from else None), today=build_date())
    click.echo(f"Wrote {len(written)} files into {directory}: site_config/, mkdocs.yml, an example article, README.md, "
               ".github/workflows/ and requirements/guidesite.lock.")
    click.echo(f"Next: cd {directory} && git init && git add -A && git commit -m 'Start' && guidesite build")
    click.echo("Before the first push, add the hashes the workflows require to requirements/guidesite.lock "
               "(its header and README.md say how), then turn on the GitHub settings README.md lists.")


@main.command()
@click.argument("target", metavar="SPECIALTY/SLUG")
@click.pass_context
def new(ctx: click.Context, target: str) -> None:
    """Write a commented skeleton for a new article (status: draft)."""
    from .scaffold import new_article

    with _reporting(ctx):
        path = new_article(ctx.obj["project"], target)
    click.echo(f"Wrote {path}")


@main.command()
@click.option("--edition", default=None, help="Edition name (default: the pattern in site_config/site.yaml applied to the build date).")
@click.option("--alias", "aliases", multiple=True, help="Alias that points at this edition (repeatable; default: the site's alias, when this is the newest edition).")
@click.option("--no-alias", is_flag=True, help="Point no alias at this edition (e.g. a correction of an older edition).")
@click.option("--title", default=None, help="Title of the edition in the version selector (default: its name).")
@click.option("--default", "default", default=None, help="The alias or edition the site's root leads to (default: the site's alias).")
@click.option("--to", "folder", type=click.Path(file_okay=False, path_type=Path), default=None, help="Publish into this folder (any static host).")
@click.option("--branch", default=None, help="Publish onto this git branch through mike (e.g. gh-pages).")
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="The built site to publish (default: <project>/site).")
@click.option("--no-build", is_flag=True, help="Publish the site already built in --site-dir instead of building first.")
@click.option("--trusted-since", metavar="REF", default=None,
              help="The commit the chain of editors' approvals of code and configuration is verified from (default: the first commit).")
@click.option("--replace", is_flag=True, help="Replace an edition already published with other content (it says what changed).")
@click.option("--no-history", is_flag=True,
              help="Publish without git history (current pages only); refused where the target holds permanent versions this build lacks.")
@click.pass_context
def publish(ctx: click.Context, edition: str | None, aliases: tuple[str, ...], no_alias: bool, title: str | None, default: str | None,
            folder: Path | None, branch: str | None, site_dir: Path | None, no_build: bool, trusted_since: str | None, replace: bool,
            no_history: bool) -> None:
    """Publish the site as one edition, into a folder (--to) or onto a branch (--branch).

    In a git repository, nothing is published unless every change of code or configuration since
    --trusted-since carries editors' approvals valid at its parent."""
    from .publish import PublishError, default_aliases, dropped_versions, existing_editions, publish_to_branch, publish_to_folder
    from .review.governed import governed_chain

    if (folder is None) == (branch is None):
        raise click.UsageError("give exactly one target: --to FOLDER or --branch NAME")
    if no_alias and aliases:
        raise click.UsageError("give --alias or --no-alias, not both")
    project: Path = ctx.obj["project"]
    site_dir = site_dir or project / "site"
    pipeline = Pipeline(project)
    with _reporting(ctx):
        if pipeline.history is None and not no_history:
            raise PublishError(f"expected a git repository at {project}: the permanent copies of approved versions are built from "
                               "its history, and an edition without them would drop every cited version; publish from a clone "
                               "(not an exported copy), or give --no-history to publish current pages only")
        if pipeline.history is not None and pipeline.history.has_head:
            problems = governed_chain(pipeline.history, today=pipeline.today, anchor=trusted_since).problems()
            if problems:
                raise ContentError(problems)
        site = pipeline.validate().site
        policy = site.settings.publishing
        edition = edition or pipeline.today.strftime(policy.edition)
        existing = existing_editions(folder, project=project, branch=branch)
        names = [] if no_alias else list(aliases) or default_aliases(edition, existing, policy.alias)
        landing = default or policy.alias
        if not no_build:
            # Every edition is built for the site's own address: the current site is served at the
            # target's root, so canonical links, the sitemap, the feed, JSON-LD and every citation
            # point there, never into an edition or an alias that may move.
            pipeline.build(site_dir, editions=True)  # with the version selector (versions.json)
        if pipeline.history is None:
            dropped = dropped_versions(site_dir, folder, project=project, branch=branch)
            if dropped:
                raise PublishError(f"{folder or 'the ' + branch + ' branch'} holds {len(dropped)} permanent version page(s) this build "
                                   f"without history lacks ({', '.join(dropped[:3])}{', …' if len(dropped) > 3 else ''}); "
                                   "publish from a clone with the whole history")
        if folder is not None:
            result = publish_to_folder(site_dir, folder, edition, names, title=title, default=landing, replace=replace)
        else:
            result = publish_to_branch(project, site_dir, edition, names, branch=branch, title=title, default=landing, replace=replace)
    for note in result.notes:
        click.echo(f"Note: {note}")
    if not result.changed:
        click.echo(f"Nothing to publish: {result.where} already holds edition {result.edition} exactly as built")
        return
    click.echo(f"Published edition {result.edition} ({', '.join(result.aliases) or 'no alias'}) to {result.where}; editions: "
               + ", ".join(v["version"] for v in result.versions))


@main.command()
@click.argument("edition")
@click.option("--to", "folder", type=click.Path(file_okay=False, path_type=Path), default=None, help="The published folder.")
@click.option("--branch", default=None, help="The published git branch (e.g. gh-pages).")
@click.pass_context
def unpublish(ctx: click.Context, edition: str, folder: Path | None, branch: str | None) -> None:
    """Remove a published EDITION (and the aliases pointing at it) from a folder or a branch."""
    from .publish import unpublish_from_branch, unpublish_from_folder

    if (folder is None) == (branch is None):
        raise click.UsageError("give exactly one target: --to FOLDER or --branch NAME")
    with _reporting(ctx):
        if folder is not None:
            result = unpublish_from_folder(folder, edition)
        else:
            result = unpublish_from_branch(ctx.obj["project"], edition, branch=branch)
    click.echo(f"Removed edition {edition} from {folder or 'branch ' + branch}"
               + (f"; {'; '.join(result.notes)}" if result.notes else "") + "; editions: " + ", ".join(v["version"] for v in result.versions))


@main.command()
@click.option("--base", required=True, help="Git ref the change is compared with (e.g. origin/main).")
@click.option("--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True)
@click.option("--change-author", "change_authors", multiple=True, metavar="LOGIN",
              help="GitHub login of someone who wrote the change (CI passes the pull request's author); they may not approve it.")
@click.option("--pr-commits", "pr_commits", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="The commits since BASE as GitHub attributes them: the JSON of 'gh api --paginate repos/OWNER/REPO/pulls/N/commits' "
                   "(a pull request; or the commits of repos/OWNER/REPO/compare/BASE...HEAD for a push), fetched by the base's workflow. "
                   "Names who wrote each commit from what cannot be typed in (review_rules attribution: provable requires it).")
@click.pass_context
def check(ctx: click.Context, base: str, fmt: str, change_authors: tuple[str, ...], pr_commits: Path | None) -> None:
    """Check a change against BASE, by BASE's rules: lifecycle moves, signed approvals, authors, site_config/, CODEOWNERS."""
    from .review import check as check_change
    from .review.authorship import read_pr_commits

    ctx.obj["format"] = fmt
    with _reporting(ctx):
        github = read_pr_commits(pr_commits) if pr_commits is not None else None
        problems = check_change(Pipeline(ctx.obj["project"]), base, change_authors=change_authors, pr_commits=github)
        if problems:
            raise ContentError(problems)
    click.echo(f"OK: the change since {base} keeps the editorial rules")


@main.command()
@click.argument("article_id", metavar="ARTICLE", required=False)
@click.option("--reviewer", help="Reviewer id from site_config/reviewers.yaml.")
@click.option("--coi", help="Your conflicts of interest for this article ('none' if there are none); shown beside your name.")
@click.option("--from-github-event", "event", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Record an approving GitHub pull-request review from its event payload ($GITHUB_EVENT_PATH), signed with --key (the publisher's bot key).")
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your SSH key (default: git's user.signingkey, then ~/.ssh/id_ed25519); a .pub file uses ssh-agent.")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Approval date (default: today).")
@click.pass_context
def approve(ctx: click.Context, article_id: str | None, reviewer: str | None, coi: str | None, event: Path | None, key: Path | None, on) -> None:
    """Sign REVIEWER's approval of ARTICLE as it is now (or record a GitHub review with --from-github-event)."""
    from .review import approve as approve_article

    pipeline = Pipeline(ctx.obj["project"])
    if event is not None:
        from .review.github import approve_from_event

        if key is None:
            raise click.UsageError("--from-github-event needs --key: the publisher's bot key")
        with _reporting(ctx):
            for result in approve_from_event(pipeline, event, key=key):
                click.echo(f"Recorded the GitHub review as an approval: {result.path.name}: status {result.status}, version {result.version}")
        return
    if not (article_id and reviewer and coi):
        raise click.UsageError("give ARTICLE, --reviewer and --coi (or --from-github-event PATH)")
    with _reporting(ctx):
        result = approve_article(pipeline, article_id, reviewer, on=(on.date() if on else pipeline.today), coi=coi, key=key, show=click.echo)
    click.echo(f"Approved {article_id} by {reviewer}: status {result.status}, version {result.version}, wrote {result.path}")
    if result.dropped:
        click.echo(f"Dropped approvals of earlier content by: {', '.join(result.dropped)}")
    if result.missing:
        click.echo(f"{result.missing} more approval(s) needed before it shows as approved")


@main.command(name="approve-site")
@click.option("--base", required=True, metavar="REF",
              help="The commit the change is made on (the pull request's base, e.g. origin/main): you approve the change from it to this tree.")
@click.option("--reviewer", required=True, help="Your id in site_config/reviewers.yaml (an editor).")
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Your SSH key (default: git's user.signingkey, then ~/.ssh/id_ed25519).")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Approval date (default: today).")
@click.pass_context
def approve_site(ctx: click.Context, base: str, reviewer: str, key: Path | None, on) -> None:
    """Sign an editor's approval of the code and configuration as they are: every file outside content/ (a change to them needs editors' approval)."""
    from .past_site import APPROVALS_FILE
    from .review.governed import approve_governed
    from .signing import default_key

    pipeline = Pipeline(ctx.obj["project"])
    with _reporting(ctx):
        key = key or default_key()
        if key is None:
            raise UsageProblem("no signing key: give --key PATH")
        count, base_sha, changed = approve_governed(pipeline, reviewer, base=base, on=(on.date() if on else pipeline.today), key=key)
    click.echo(f"Approved the code and configuration as they are, as a change from {base} ({base_sha[:10]}), by {reviewer}; "
               f"{count} editor approval(s) of it in {APPROVALS_FILE}")
    if changed:
        click.echo("Files changed since the base: " + ", ".join(changed))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--trusted-since", metavar="REF", default=None,
              help="The commit the chain of editors' approvals of code and configuration starts from (default: the first commit).")
@click.pass_context
def audit(ctx: click.Context, fmt: str, trusted_since: str | None) -> None:
    """List every approval ever recorded (from git history): article, version, hash, reviewer, date, signature, trust, interests, chain."""
    from .review.audit import audit as audit_rows, audit_text

    with _reporting(ctx):
        rows = audit_rows(Pipeline(ctx.obj["project"]), trusted_since=trusted_since)
    click.echo(audit_text(rows, fmt), nl=False)


@main.command(name="review-report")
@click.option("--base", required=True, help="Git ref the change is compared with.")
@click.option("--change-author", "change_authors", multiple=True, metavar="LOGIN", help="As for check: who opened the change.")
@click.option("--pr-commits", "pr_commits", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="As for check: GitHub's list of the pull request's commits (who wrote them).")
@click.pass_context
def review_report_command(ctx: click.Context, base: str, change_authors: tuple[str, ...], pr_commits: Path | None) -> None:
    """Print the pull request's review summary as Markdown (for the GitHub job summary); its problems are check's."""
    from .review import analyse, review_report
    from .review.authorship import read_pr_commits

    with _reporting(ctx):
        github = read_pr_commits(pr_commits) if pr_commits is not None else None
        click.echo(review_report(analyse(Pipeline(ctx.obj["project"]), base, change_authors=change_authors, pr_commits=github)))


@main.command()
@click.option("--check", "only_check", is_flag=True, help="Write nothing; exit 1 if an article is written for an older model.")
@click.pass_context
def migrate(ctx: click.Context, only_check: bool) -> None:
    """Rewrite articles written for an older article model in today's (comments and layout kept; approvals still hold)."""
    from .migrate import migrate as migrate_articles
    from .model.article import MODEL_VERSION

    with _reporting(ctx):
        done = migrate_articles(ctx.obj["project"], check_only=only_check)
        for file in done:
            click.echo(f"{'Would migrate' if only_check else 'Migrated'} {file.path}: model {file.version} → {MODEL_VERSION}"
                       f"{f' ({file.moved} value(s) rewritten)' if file.moved else ''}; what its reviewers signed is unchanged")
        if not done:
            click.echo(f"OK: every article is written for model {MODEL_VERSION}")
        elif only_check:
            ctx.exit(1)
        else:
            click.echo("Review the diff (git diff content/) and commit it; the CHANGELOG says what the model changed.")


@main.command()
@click.option("--check", "only_check", is_flag=True, help="Exit 1 if the committed file is out of date instead of writing it.")
@click.pass_context
def codeowners(ctx: click.Context, only_check: bool) -> None:
    """Write .github/CODEOWNERS from the reviewer registry."""
    from .review import CODEOWNERS_PATH, codeowners as codeowners_text

    with _reporting(ctx):
        text = codeowners_text(Pipeline(ctx.obj["project"]).validate().site)
        _write_generated(ctx, CODEOWNERS_PATH, text, only_check, source="site_config/reviewers.yaml", command="guidesite codeowners")


@main.command()
@click.option("--check", "only_check", is_flag=True, help="Exit 1 if the committed schema is out of date instead of writing it.")
@click.pass_context
def schema(ctx: click.Context, only_check: bool) -> None:
    """Write schema/article.schema.json (JSON Schema draft-07 of the article model, for editors)."""
    from .model.schema import SCHEMA_PATH, schema_text

    with _reporting(ctx):
        # Grades are checked against the site's grading systems: the schema follows grading.yaml.
        site = Pipeline(ctx.obj["project"]).validate([], only_paths=True).site
        _write_generated(ctx, SCHEMA_PATH, schema_text(site.grading), only_check,
                         source="the article model and site_config/grading.yaml", command="guidesite schema")


def _write_generated(ctx: click.Context, relative: str, text: str, only_check: bool, *, source: str, command: str) -> None:
    """Write a committed, generated file, or (``--check``) fail when the committed one differs."""
    path = ctx.obj["project"] / relative
    if only_check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            raise ContentError([Problem(relative, 1, 1, "", f"out of date with {source} (run: {command})")])
        click.echo(f"OK: {relative} is up to date")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {path}")


class _Progress:
    """Stage lines on an interactive terminal (one line, rewritten); in a CI log (``CI`` set) one line
    per stage with how long it took, written to standard output when it ends; silent in other pipes."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty() and not os.environ.get("CI")
        self.log = bool(os.environ.get("CI"))
        self.started = time.perf_counter()
        self.stages: list[tuple[str, float]] = []

    def timings(self) -> list[tuple[str, float]]:
        """Each stage and how long it lasted (the last one until now)."""
        ends = [at for _, at in self.stages[1:]] + [time.perf_counter()]
        return [(stage, end - at) for (stage, at), end in zip(self.stages, ends)]

    def __call__(self, stage: str) -> None:
        if self.log and self.stages:
            self._log_last()
        self.stages.append((stage, time.perf_counter()))
        if self.live:
            sys.stderr.write(f"\r\033[K[{time.perf_counter() - self.started:5.1f} s] {stage}…")
            sys.stderr.flush()

    def _log_last(self) -> None:
        stage, seconds = self.timings()[-1]
        # The log's own stream: problems (stderr) stay a list of problems only.
        sys.stdout.write(f"[{time.perf_counter() - self.started:7.1f} s] {stage} ({seconds:.1f} s)\n")
        sys.stdout.flush()

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
        if self.log and self.stages:
            self._log_last()


class _reporting:
    """Turn our errors into messages and exit status 1; tracebacks only with --debug."""

    def __init__(self, ctx: click.Context):
        self.ctx = ctx

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:  # noqa: ANN001
        if exc is None or isinstance(exc, (click.exceptions.Exit, click.exceptions.ClickException, KeyboardInterrupt)):
            return False
        debug = self.ctx.obj.get("debug")
        if isinstance(exc, ContentError):
            github = self.ctx.obj.get("format") == "github"
            for problem in exc.problems:
                click.echo(problem.github() if github else str(problem), err=True)
            click.echo(f"{len(exc.problems)} problem(s) found; nothing was written.", err=True)
        elif isinstance(exc, BuildError):
            for message in exc.messages:
                click.echo(f"build: {message}", err=True)
            click.echo("The site build failed; the previous site/ was left as it was.", err=True)
        elif isinstance(exc, UsageProblem):
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        elif isinstance(exc, GuidesiteError):
            click.echo(f"error: {exc}", err=True)
        else:
            if debug:
                return False
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
        if debug and isinstance(exc, GuidesiteError):
            import traceback

            traceback.print_exception(kind, exc, tb)
        sys.exit(1)

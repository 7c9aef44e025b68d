"""A learner's first minutes, in a real browser.

JupyterLab runs on a scratch copy of notebooks/ and headless Chromium
(Debian's, driven by Playwright) does what a learner does: opens the first
lesson from the file browser, answers the first exercise, runs all cells, and
plays with a widget. Checked: the answer's check cell prints its success
line, a matplotlib figure is drawn, the widget is drawn and the kernel
reacts when its slider moves (from the keyboard), nbgrader's menu and
Validate button are there, and the page asks nothing of the internet.

Screenshots go to screenshots/ (git-ignored).
"""

import re

import nbformat
import pytest

from conftest import REPO_ROOT, learner_path, nbgrader_metadata, require_chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LESSON = "01-loss-vs-cost"
EXERCISE = "squared_error"
ANSWER = (
    "def squared_error(y_true, y_pred):\n"
    "    return (np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2\n"
)
SCREENSHOTS = REPO_ROOT / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 60_000

# The kernel is connected and idle, as the status bar ("Python 3 (ipykernel) | Idle")
# and the notebook toolbar's execution indicator show it.
KERNEL_IDLE = """() => {
    const bar = document.querySelector('#jp-main-statusbar');
    const indicator = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
    return bar !== null && /\\| Idle/.test(bar.innerText) && !/No Kernel/.test(bar.innerText)
        && indicator !== null && indicator.getAttribute('data-status') === 'idle';
}"""

# What a widget shows that only the kernel can change: its text without the
# sliders' own read-outs, and its images (a redrawn figure has a new src).
WIDGET_STATE = """(element) => {
    const copy = element.cloneNode(true);
    copy.querySelectorAll('.widget-readout, .widget-slider').forEach((node) => node.remove());
    const images = Array.from(element.querySelectorAll('img')).map((image) => image.src);
    return copy.textContent + '|' + images.join('|');
}"""


def lesson_cells():
    return nbformat.read(learner_path(LESSON), as_version=4).cells


def first_widget_cell_source(cells):
    """The first given code cell that displays a widget (lossedu.widgets or ipywidgets)."""
    for cell in cells:
        given = not nbgrader_metadata(cell).get("solution") and not nbgrader_metadata(cell).get("grade")
        if cell.cell_type == "code" and given and re.search(r"\bwidgets\.\w+\(", cell.source):
            return cell.source
    raise AssertionError(f"{LESSON} has no cell that displays a widget")


def cell_containing(page, text):
    """The notebook cell whose input contains text (exactly one)."""
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").filter(
        has=page.locator(".jp-InputArea", has_text=text)
    )
    cells.first.wait_for()
    assert cells.count() == 1, f"{cells.count()} cells contain {text!r}"
    return cells.first


def open_from_file_browser(page, name):
    item = page.locator(".jp-DirListing-item").filter(
        has=page.locator(".jp-DirListing-itemText", has_text=re.compile(rf"^{re.escape(name)}$"))
    )
    item.wait_for()
    item.dblclick()


def menu(page, *labels):
    """Open the menu bar's labels[0] and click through the remaining labels."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(labels[0])}$")).click()
    for label in labels[1:]:
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(label)}$")).click()


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"browser-{name}.png"))


@pytest.fixture(scope="module")
def browser():
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_learner_answers_an_exercise_runs_the_lesson_and_plays_with_a_widget(browser, lab_server):
    assert learner_path(LESSON).exists(), f"notebooks/{LESSON} is missing: run `python3 course.py release`"
    cells = lesson_cells()
    widget_source = first_widget_cell_source(cells)

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    outside_requests = []

    def only_the_local_server(route):
        url = route.request.url
        if url.startswith(lab_server.url + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside_requests.append(url)
            route.abort()

    context.route("**/*", only_the_local_server)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{lab_server.url}/lab?reset")
        page.locator(".jp-DirListing-content").wait_for()

        # Open the lesson from the file browser, folder by folder.
        open_from_file_browser(page, "notebooks")
        open_from_file_browser(page, LESSON)
        open_from_file_browser(page, f"{LESSON}.ipynb")
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").wait_for()
        page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)
        screenshot(page, "1-opened")

        # Answer the exercise: replace the answer cell's text.
        answer = cell_containing(page, f"def {EXERCISE}(")
        editor = answer.locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(ANSWER)
        page.keyboard.press("Escape")
        assert "np.asarray(y_true, float) - np.asarray(y_pred, float)" in editor.inner_text()

        # Run all cells; execution stops at the first exercise still unanswered.
        menu(page, "Run", "Run All Cells")
        check_cell = cell_containing(page, f'check("{EXERCISE}", {EXERCISE})')
        check_output = check_cell.locator(".jp-OutputArea")
        check_output.filter(has_text=re.compile(rf"{EXERCISE}: \d+ checks? passed")).wait_for()
        page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)
        assert check_cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        # Run All left the view at the last cell it ran; show the verdict.
        check_output.wait_for(state="visible")
        check_cell.locator(".jp-InputPrompt").click()  # select it: JupyterLab keeps it in view
        check_cell.evaluate("(element) => element.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)
        screenshot(page, "2-checked")

        # A matplotlib figure is drawn.
        figure = page.locator(".jp-OutputArea-output img").first
        figure.wait_for()
        assert figure.evaluate("(image) => image.complete && image.naturalWidth") > 100

        # The widget: run its cell if Run All stopped before it, then move its slider.
        widget_cell = cell_containing(page, widget_source.strip().splitlines()[0])
        widget = widget_cell.locator(".jp-OutputArea .jupyter-widgets.widget-container, .jp-OutputArea .widget-box")
        if widget.count() == 0:
            widget_cell.locator(".jp-InputPrompt").click()
            page.keyboard.press("Control+Enter")
        widget.first.wait_for()
        slider = widget_cell.locator(".widget-slider").first
        slider.wait_for()
        page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)
        page.wait_for_timeout(500)
        readout = slider.locator(".widget-readout")
        widget_cell.scroll_into_view_if_needed()
        readout_before = readout.inner_text()
        state_before = widget.first.evaluate(WIDGET_STATE)
        screenshot(page, "3-widget-before")
        slider.locator(".noUi-handle").first.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([element, before]) => (" + WIDGET_STATE + ")(element) !== before",
            arg=[widget.first.element_handle(), state_before],
            timeout=TIMEOUT_MS,
        )
        assert readout.inner_text() != readout_before, "the slider's read-out did not change"
        page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)
        screenshot(page, "4-widget-after")

        # nbgrader: its Validate button in the notebook toolbar, its menu in the menu bar.
        validate = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar").get_by_text("Validate")
        assert validate.is_visible(), "nbgrader's Validate button is missing from the notebook toolbar"
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        items = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
        assert "Assignment List" in items, items
        screenshot(page, "5-nbgrader-menu")
        page.keyboard.press("Escape")

        assert outside_requests == [], f"the page asked the internet for: {outside_requests}"
    except Exception:
        screenshot(page, "failure")
        print(lab_server.log_tail())
        raise
    finally:
        context.close()

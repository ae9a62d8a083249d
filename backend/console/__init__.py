"""The staff console (/staff/): server-rendered Japanese pages for clerks, supervisors and
administrators, logged in with a name and password, working without JavaScript.

For the pages to come, the API (import from the modules named; this file imports nothing, so
`kiosk backend user …` starts without loading the web stack):

    backend.console.auth
        current_staff(request) -> StaffUser      the logged-in member; without a live session
                                                 a GET goes to the login page (and back after)
        CurrentStaff                             the same as a parameter type: `user: CurrentStaff`
        require_role(*roles) -> dependency       `user: Annotated[StaffUser,
                                                 Depends(require_role(StaffRole.SUPERVISOR,
                                                 StaffRole.ADMIN))]`; others get a 403 page
        csrf_field(request) -> Markup            the hidden CSRF input (page() passes it to every
                                                 template as {{ csrf_field }}: put it in each form)
        csrf_token(request) -> str               the same token, for a script's X-CSRF-Token
        divisions_visible(user) -> DivisionScope .everything (supervisor, admin) or .divisions
                                                 (a clerk's 課); .allows(division)
    backend.console.templates.page(request, "x.html", status=200, **context) -> HTMLResponse
        renders templates/x.html (`{% extends "base.html" %}`, blocks title, nav, main) with
        municipality, user, csrf_field, stylesheet and urls; autoescaped, console headers set
    backend.console.forms.form_fields            `form: Annotated[FormFields, Depends(form_fields)]`
                                                 a urlencoded form's fields (.get, .getlist)
    backend.console.refusals.ConsoleRefusal(status, message)   raise for a plain Japanese page
    backend.console.roles.StaffRole              CLERK, SUPERVISOR, ADMIN (.label: 窓口担当 …)
    backend.console.users.StaffUser              name, role, divisions, audit_who ("console:NAME")
    backend.console.urls                         PREFIX, HOME, LOGIN, LOGOUT, STATIC …

A page is a route on an APIRouter under /staff/ (included in backend/console/mount.py), e.g.

    router = APIRouter(include_in_schema=False)

    @router.get("/staff/queue")
    def queue(request: Request, user: CurrentStaff) -> Response:
        return page(request, "queue.html", scope=divisions_visible(user))

What is already taken care of, for every route under /staff/: every POST, PUT, PATCH and DELETE
must carry the session's CSRF token (field csrf_token, or header X-CSRF-Token) or it is
refused before the handler runs (csrf_guard.py); the Content-Security-Policy allows only
'self' (so scripts and styles are files under static/, no inline <script> or style="";
htmx needs `htmx.config.includeIndicatorStyles = false` set from such a file); pages are
not cached; a 404, 405, 422 or unexpected error is a Japanese page, never JSON or a trace; a
request with a live session spends no anonymous rate budget (backend/limits.py); bodies are
at most 16 KiB. Routes outside /staff/ never see the session cookie (Path=/staff).

Modules, one job each: roles, passwords (scrypt), users (accounts), login (password check and
lockout), sessions (server-side, hashed ids), visits (the session of a request, looked up
once), csrf_tokens and csrf_guard, cookies, forms, templates, headers (CSP …), refusals,
municipality (the header's name), urls, settings (numbers and clock), state, login_pages,
home, accounts_page, mount (wiring into backend/app.py), user_cli (`kiosk backend user`).
"""

using Dreaming.AgentView.Rendering;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Pages;

/// <summary>The review actions of the version page: approve, reject (with a reason) and roll back (with a note), each a
/// POST form protected by an antiforgery token, recorded as <see cref="MemoryAuthor.Person"/> of the signed-in user's
/// name. Not mapped when <see cref="AgentViewOptions.ReadOnly"/>.</summary>
/// <param name="antiforgery">The host's <see cref="IAntiforgery"/> when it registered one (<c>AddAntiforgery()</c>),
/// otherwise one of the view's own over the host's data protection keys.</param>
/// <param name="keys">The data protection the antiforgery tokens use, which also protects the view's notices.</param>
/// <param name="owned">The services the view built for itself (its antiforgery, or the keys), when the host has none.</param>
internal sealed partial class MemoryReview(IAntiforgery antiforgery, IDataProtectionProvider keys, ServiceProvider? owned = null)
{
    private readonly IDataProtector _notices = keys.CreateProtector("Dreaming.AgentView.Notice");

    // Dated since forms expire (a form of an earlier build, protected under the purpose without ".Dated", reads as none,
    // and is told apart only to say that its page is to be reloaded).
    private readonly IDataProtector _shown = keys.CreateProtector("Dreaming.AgentView.ShownEndpoint.Dated");

    private readonly IDataProtector _shownUndated = keys.CreateProtector("Dreaming.AgentView.ShownEndpoint");

    /// <summary>The actions, as the last path segment of their POST.</summary>
    public static readonly string[] Actions = ["approve", "reject", "rollback"];

    /// <summary>The longest reason or note a form accepts.</summary>
    public const int MaxNoteLength = 4000;

    /// <summary>The most characters of a store's refusal a 409 page echoes (a store of the app's own may name a value of
    /// megabytes in it): its start, an ellipsis and its length past that.</summary>
    public const int MaxRefusalLength = 4000;

    /// <summary>Creates the review of a mapping: the host's antiforgery service, or the view's own when the host has none.</summary>
    /// <param name="app">The app's services.</param>
    public static MemoryReview Create(IServiceProvider app)
    {
        if (app.GetService<IAntiforgery>() is { } hosts)
        {
            if (app.GetService<IDataProtectionProvider>() is { } hostsKeys)
            {
                return new(hosts, hostsKeys);
            }

            var forKeys = Own(app);
            return new(hosts, forKeys.GetRequiredService<IDataProtectionProvider>(), forKeys);
        }

        var own = Own(app);
        return new(own.GetRequiredService<IAntiforgery>(), own.GetRequiredService<IDataProtectionProvider>(), own);
    }

    /// <summary>Gets the services the view built for itself because the host has no antiforgery or no data protection, or
    /// <see langword="null"/> when it uses the host's.</summary>
    public IServiceProvider? OwnedServices => owned;

    // The host did not call AddAntiforgery(): the view makes its own, with the host's data protection keys (so tokens
    // hold across the host's instances when it shares its keys) or, without them, keys of its own; logging to the
    // host's log, so a key ring kept only in memory or a refused token shows there. The view owns these services: they
    // are disposed when the app has stopped (no request is served then), not left to the finalizer.
    private static ServiceProvider Own(IServiceProvider app)
    {
        var services = new ServiceCollection();
        if (app.GetService<ILoggerFactory>() is { } loggers)
        {
            services.AddSingleton(loggers);
        }

        services.AddLogging();
        if (app.GetService<IDataProtectionProvider>() is { } keys)
        {
            services.AddSingleton(keys);
        }

        services.AddAntiforgery();
        var own = services.BuildServiceProvider();
        app.GetService<IHostApplicationLifetime>()?.ApplicationStopped.Register(own.Dispose);
        return own;
    }

    /// <summary>The name a review by the request's user is recorded with (<see cref="MemoryAuthor.Person"/>):
    /// <see cref="AgentViewOptions.ReviewerName"/>'s, or <see langword="null"/> when it gives none (blank counts as none);
    /// such a user may read but not review.</summary>
    /// <param name="view">The request.</param>
    public static string? ReviewerName(AgentViewContext view) =>
        view.Options.ReviewerName(view.Http) is { } name && !string.IsNullOrWhiteSpace(name) ? name : null;

    /// <summary>Issues the request's token (setting its cookie) for the forms of a page.</summary>
    /// <param name="http">The request.</param>
    public AntiforgeryTokenSet Tokens(HttpContext http) => antiforgery.GetAndStoreTokens(http);

    /// <summary>Writes the forms that fit the version's state: approve and reject for a proposed version, roll back for any
    /// version but the active one.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="version">The version.</param>
    /// <param name="tokens">The request's tokens.</param>
    public static void WriteForms(HtmlWriter html, AgentViewContext view, MemoryVersion version, AntiforgeryTokenSet tokens)
    {
        html.Raw("<section id=\"review\">").Element("h3", "Review");
        if (version.State == MemoryVersionState.Proposed)
        {
            Form(html, view, version.Id, tokens, "approve", "Approve", null);
            Form(html, view, version.Id, tokens, "reject", "Reject", "Reason");
        }

        if (version.State != MemoryVersionState.Active)
        {
            Form(html, view, version.Id, tokens, "rollback", "Roll back to this version", "Note");
        }
        else
        {
            html.Element("p", "This is the active version: roll back to an earlier one from its page.", "muted");
        }

        html.Raw("</section>");
    }

    /// <summary>Handles a POST: refuses it (403) when the view is read-only (<paramref name="review"/> is
    /// <see langword="null"/>), otherwise <see cref="PostAsync(AgentViewContext, string, string)"/>.</summary>
    /// <param name="review">The review actions, or <see langword="null"/> when the view is read-only.</param>
    /// <param name="view">The request.</param>
    /// <param name="segment">The version id from the path.</param>
    /// <param name="action">One of <see cref="Actions"/>.</param>
    public static Task PostAsync(MemoryReview? review, AgentViewContext view, string segment, string action) => review is not null
        ? review.PostAsync(view, segment, action)
        : AgentViewLayout.WritePageAsync(view, "Refused", html => html.Element("p", $"The agent view is read-only: memory versions cannot be approved, rejected or rolled back from it (the {action} of '{RouteSegments.Read(view.Http, segment, 1)}' was refused).", "error-message"), StatusCodes.Status403Forbidden);

    /// <summary>Handles a POST: checks the token and the reviewer, makes the change, and redirects (303) to the version's
    /// page (for a rollback, the new active version's); a refusal is a page saying why.</summary>
    /// <param name="view">The request.</param>
    /// <param name="segment">The version id from the path.</param>
    /// <param name="action">One of <see cref="Actions"/>.</param>
    public async Task PostAsync(AgentViewContext view, string segment, string action)
    {
        var http = view.Http;
        var versionId = RouteSegments.Read(view.Http, segment, 1);
        if (await AcceptAsync(view, $"The {action} of '{AgentViewLayout.Echo(versionId)}'", "a review is recorded with the reviewer's name", "the version's page").ConfigureAwait(false) is not { } accepted)
        {
            return;
        }

        var (name, form) = accepted;

        var note = form["note"].ToString().Trim();
        if (note.Length > MaxNoteLength)
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"The note of the {action} is {note.Length} characters long; at most {MaxNoteLength} are kept.").ConfigureAwait(false);
            return;
        }

        var store = http.RequestServices.GetRequiredService<IMemoryStore>();
        var reviewer = MemoryAuthor.Person(name);
        MemoryVersion result;
        try
        {
            result = action switch
            {
                "approve" => await store.ApproveAsync(versionId, reviewer, view.Aborted).ConfigureAwait(false),
                "reject" => await store.RejectAsync(versionId, reviewer, note.Length == 0 ? null : note, view.Aborted).ConfigureAwait(false),
                _ => await store.RollbackAsync(versionId, reviewer, note.Length == 0 ? null : note, view.Aborted).ConfigureAwait(false),
            };
        }
        catch (MemoryVersionNotFoundException)
        {
            await AgentViewLayout.WriteNotFoundAsync(view, $"No memory version '{AgentViewLayout.Echo(versionId)}'.").ConfigureAwait(false);
            return;
        }
        catch (MemoryStateException refused)
        {
            await MemoryHtml.WriteConflictAsync(view, AgentViewLayout.Echo(refused.Message, MaxRefusalLength), versionId).ConfigureAwait(false);
            return;
        }
        catch (ArgumentException invalid) when (action == "rollback")
        {
            // The version to restore holds an insight id the rules refuse today (MemoryProposal.Validate: stored before
            // "] " was refused in ids, and the active version no longer holds it): the data, not the request, is at fault.
            // The view edits no insight; an edit of this version without it (its parent is this version, so it cannot be
            // approved, but it can be rolled back to) restores the rest.
            await MemoryHtml.WriteConflictAsync(view, $"The rollback to '{AgentViewLayout.Echo(versionId)}' was refused: {AgentViewLayout.Echo(invalid.ParamName is { } parameter ? invalid.Message.Replace($" (Parameter '{parameter}')", string.Empty, StringComparison.Ordinal) : invalid.Message, MaxRefusalLength)} The view cannot change a version's insights: edit this version with the dreaming tool to leave that insight out ('dreaming memory edit {versionId} --remove ID', with '--add TEXT' to keep its text under a new id), then roll back to the version the edit makes.", versionId).ConfigureAwait(false);
            return;
        }

        LogReview(view, name, action, versionId, result);
        AgentViewLayout.SetHeaders(http.Response);
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = view.Href("memory", "versions", result.Id);
    }

    /// <summary>Checks a POST of one of the view's forms, in the order the review has always checked them: posted as a form
    /// (else 400), by a user with a reviewer name (<see cref="ReviewerName(AgentViewContext)"/>; else 403) that holds no
    /// control character (else 403: the name is logged), a form within the
    /// server's limits (else 400), with a valid antiforgery token (else 400). A refusal is written as a page naming
    /// <paramref name="what"/>.</summary>
    /// <param name="view">The request.</param>
    /// <param name="what">What was asked, as a refusal starts, such as <c>The approve of 'mv-1'</c>.</param>
    /// <param name="named">Why a name is needed, such as <c>a review is recorded with the reviewer's name</c>.</param>
    /// <param name="page">The page the form is on, as a refusal of its token names it, such as <c>the version's page</c>.</param>
    /// <returns>The reviewer's name and the form, or <see langword="null"/> when the POST was refused.</returns>
    public async Task<(string Reviewer, IFormCollection Form)?> AcceptAsync(AgentViewContext view, string what, string named, string page)
    {
        var http = view.Http;
        if (!http.Request.HasFormContentType)
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"{what} must be posted from its form.").ConfigureAwait(false);
            return null;
        }

        if (ReviewerName(view) is not { } name)
        {
            await AgentViewLayout.WritePageAsync(view, "Refused", html => html.Element("p", $"{what} was refused: {named}, and the signed-in user has none (no name claim). Sign in as a named user.", "error-message"), StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return null;
        }

        if (NameProblem(name) is { } problem)
        {
            // Logged with the action (and recorded as the reviewer), a line break would start a forged line of its own.
            await AgentViewLayout.WritePageAsync(view, "Refused", html => html.Element("p", $"{what} was refused: the signed-in user's name has {problem} (the name is logged and recorded as one line of text, where it could start a forged line or reorder what follows). Sign in as a user whose name has none, or set AgentViewOptions.ReviewerName.", "error-message"), StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return null;
        }

        IFormCollection form;
        try
        {
            // Read first, so a form over the server's limits (FormOptions) is named as such, not as a bad token.
            form = await http.Request.ReadFormAsync(view.Aborted).ConfigureAwait(false);
        }
        catch (InvalidDataException tooLarge)
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"{what} was refused: its form could not be read ({tooLarge.Message})").ConfigureAwait(false);
            return null;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"{what} was refused: its form's antiforgery token is missing or not valid for you. Reload {page} and try again.").ConfigureAwait(false);
            return null;
        }

        return (name, form);
    }

    private static void Form(HtmlWriter html, AgentViewContext view, string versionId, AntiforgeryTokenSet tokens, string action, string button, string? noteLabel)
    {
        html.Raw("<form class=\"review review-").Raw(action).Raw("\" method=\"post\" action=\"").Text(view.Href("memory", "versions", versionId, action))
            .Raw("\"><input type=\"hidden\" name=\"").Text(tokens.FormFieldName).Raw("\" value=\"").Text(tokens.RequestToken).Raw("\">");
        if (noteLabel is not null)
        {
            html.Raw("<label>").Text(noteLabel).Raw(" <input name=\"note\" maxlength=\"4000\"></label> ");
        }

        html.Raw("<button type=\"submit\">").Text(button).Raw("</button></form>");
    }
}

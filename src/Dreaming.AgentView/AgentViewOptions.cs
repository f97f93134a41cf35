using Microsoft.AspNetCore.Http;

namespace Dreaming.AgentView;

/// <summary>Settings of the agent view that <c>MapDreamingAgentView</c> maps.</summary>
/// <remarks>The view shows what the trace store holds (prompts, answers, tool arguments as recorded, after the library's
/// redaction) and, unless <see cref="ReadOnly"/>, changes memory. It therefore requires an authorized user by default:
/// the host's default authorization policy, or the one <see cref="AuthorizationPolicy"/> names.</remarks>
public sealed class AgentViewOptions
{
    /// <summary>The largest <see cref="PageSize"/>.</summary>
    public const int MaxPageSize = 500;

    /// <summary>Gets or sets the name of the authorization policy every page and action of the view requires.</summary>
    /// <value>The default is <see langword="null"/>: the host's default policy (an authenticated user, unless the host
    /// changed it). The policy must be registered with <c>services.AddAuthorization(...)</c>.</value>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>Gets or sets whether the view is served without authorization.</summary>
    /// <value>The default is <see langword="false"/>. Set it only where the network itself is the protection (a developer's
    /// machine, a port reachable only from an admin network): the pages show recorded prompts and answers.</value>
    public bool AllowAnonymous { get; set; }

    /// <summary>Gets or sets whether the view only reads: no approve, reject or rollback of memory versions, and no replay of
    /// webhook deliveries or change to a webhook endpoint.</summary>
    /// <value>The default is <see langword="false"/>: an authorized user may review memory and replay webhooks.</value>
    public bool ReadOnly { get; set; }

    /// <summary>Gets or sets how the name a review (approve, reject, rollback) is recorded with is found for a request
    /// (<see cref="MemoryAuthor.Person"/>).</summary>
    /// <value>The default is <see cref="SignedInUserName"/>: the signed-in user's name. A function that returns
    /// <see langword="null"/> or a blank name for a request leaves that user without the review forms, and refuses the
    /// user's review with 403: a review is never recorded under a made-up name. A name that holds a control character (a
    /// line break, an escape), a line or paragraph separator (U+2028, U+2029), a bidirectional override or isolate, or half a
    /// surrogate pair is refused with 403 at each action too: the actions are logged with the name, where a line break would
    /// start a forged line and an override reorder it. Names in any script, with combining marks or emoji, are kept as
    /// given.</value>
    /// <remarks>The webhook actions (replay, enable or disable an endpoint) need the name too, and are logged with it.
    /// Set it when the name claim is not what the record should hold (an e-mail claim, an employee id), or, for a
    /// view served to one person without sign-in (<c>dreaming view</c>), to that person's name. It runs on the request's
    /// thread, once per version page and once per review.</remarks>
    public Func<HttpContext, string?> ReviewerName { get; set; } = SignedInUserName;

    /// <summary>Gets or sets how many rows a list shows on one page.</summary>
    /// <value>The default is 50; 1 to <see cref="MaxPageSize"/>.</value>
    public int PageSize { get; set; } = 50;

    /// <summary>Gets or sets the title shown on every page.</summary>
    /// <value>The default is "Dreaming agent view"; not empty.</value>
    public string Title { get; set; } = "Dreaming agent view";

    /// <summary>The default <see cref="ReviewerName"/>: the name of the request's authenticated identity
    /// (<c>HttpContext.User.Identity.Name</c>), or <see langword="null"/> when the user is anonymous or has no name claim.</summary>
    /// <param name="http">The request.</param>
    /// <returns>The name, or <see langword="null"/>.</returns>
    public static string? SignedInUserName(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : null;
    }

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="PageSize"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><see cref="Title"/> or <see cref="AuthorizationPolicy"/> is blank, or
    /// <see cref="ReviewerName"/> is <see langword="null"/>.</exception>
    public void Validate()
    {
        if (ReviewerName is null)
        {
            throw new ArgumentException("AgentViewOptions.ReviewerName must not be null; the default is AgentViewOptions.SignedInUserName.", nameof(ReviewerName));
        }

        if (PageSize is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(PageSize), PageSize, $"AgentViewOptions.PageSize must be from 1 to {MaxPageSize}.");
        }

        if (string.IsNullOrWhiteSpace(Title))
        {
            throw new ArgumentException("AgentViewOptions.Title must not be empty.", nameof(Title));
        }

        if (AuthorizationPolicy is not null && string.IsNullOrWhiteSpace(AuthorizationPolicy))
        {
            throw new ArgumentException("AgentViewOptions.AuthorizationPolicy must be null (the default policy) or a policy name, not blank.", nameof(AuthorizationPolicy));
        }
    }
}

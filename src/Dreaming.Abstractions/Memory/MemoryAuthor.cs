namespace Dreaming;

/// <summary>Who wrote or reviewed a <see cref="MemoryVersion"/>: a dream run or a person.</summary>
/// <remarks>Versions authored by a dream run must keep every insight of their parent (see
/// <see cref="MemoryProposal.Validate(MemoryVersion?)"/>): a dream may retire an insight but never drop it.</remarks>
public sealed record MemoryAuthor
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="kind">Whether the author is a dream run or a person.</param>
    /// <param name="id">The run id or the person's name.</param>
    /// <exception cref="ArgumentException">The id is empty or the kind is not defined.</exception>
    public MemoryAuthor(MemoryAuthorKind kind, string id)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentException($"{(int)kind} is not a MemoryAuthorKind.", nameof(kind));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Kind = kind;
        Id = id;
    }

    /// <summary>Gets whether the author is a dream run or a person.</summary>
    public MemoryAuthorKind Kind { get; }

    /// <summary>Gets the run id or the person's name.</summary>
    public string Id { get; }

    /// <summary>Creates the author of a dream run.</summary>
    /// <param name="runId">The run id.</param>
    /// <returns>The author.</returns>
    /// <exception cref="ArgumentException"><paramref name="runId"/> is null, empty or white space.</exception>
    public static MemoryAuthor DreamRun(string runId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        return new(MemoryAuthorKind.DreamRun, runId);
    }

    /// <summary>Creates a person author.</summary>
    /// <param name="name">A user name or e-mail address.</param>
    /// <returns>The author.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    public static MemoryAuthor Person(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new(MemoryAuthorKind.Person, name);
    }

    /// <summary>Returns <c>dream-run:&lt;id&gt;</c> or <c>person:&lt;id&gt;</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => (Kind == MemoryAuthorKind.DreamRun ? "dream-run:" : "person:") + Id;
}

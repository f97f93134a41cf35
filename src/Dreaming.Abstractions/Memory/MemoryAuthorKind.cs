namespace Dreaming;

/// <summary>Who a <see cref="MemoryAuthor"/> is.</summary>
public enum MemoryAuthorKind
{
    /// <summary>A dream run, named by its run id.</summary>
    DreamRun = 0,

    /// <summary>A person, named by a user name or e-mail address.</summary>
    Person = 1,
}

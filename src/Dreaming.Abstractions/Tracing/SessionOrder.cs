namespace Dreaming;

/// <summary>The order of a session query.</summary>
public enum SessionOrder
{
    /// <summary>By start time ascending, then id.</summary>
    OldestFirst = 0,

    /// <summary>By start time descending, then id descending.</summary>
    NewestFirst = 1,
}

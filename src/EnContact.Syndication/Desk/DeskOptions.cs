using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Desk;

/// <summary>The editor's desk at <c>/admin</c>: sessions, lock-out, announcements. Section <c>Desk</c>.</summary>
public sealed class DeskOptions
{
    public const string Section = "Desk";

    /// <summary>How long a desk session lasts without a request; each request extends it (sliding). Default 2 hours.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Failed sign-ins in a row that lock an account. Default 5.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account refuses every sign-in, the right password included. Default 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Mail every staff member once when an edition starts waiting for approval (through the outbox). Default false.</summary>
    public bool AnnounceWaitingEdition { get; set; }

    /// <summary>Shortest time between two progress events of the editions page's live stream. Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a checked subscriber import waits for "apply" before it is forgotten. Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan ImportRetention { get; set; } = TimeSpan.FromHours(1);
}

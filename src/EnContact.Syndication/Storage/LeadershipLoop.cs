namespace EnContact.Syndication.Storage;

/// <summary>
/// What one gateway process at a time does (watching the content folder, reading the bounce
/// mailbox): each process tries for the role's lead every <see cref="CheckInterval"/>; the leader
/// works while its lead holds and checks it as often, so a leader that lost its database connection
/// stops and another takes over. The wording of the logs comes from <see cref="LeadRole"/>.
/// </summary>
public sealed class LeadershipLoop(Database database, TimeProvider time, ILogger logger, LeadRole role)
{
    /// <summary>How often a process standing by tries to take the lead, and a leader checks it still holds it.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Until <paramref name="stoppingToken"/> fires: leads and runs <paramref name="work"/> (cancelled
    /// when the lead is lost), or stands by. <paramref name="databaseFailed"/> and <paramref name="standingBy"/>
    /// tell the caller's health; <paramref name="leading"/> runs each time this process takes the lead.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> work, Action<string> databaseFailed, Action standingBy, Action leading, CancellationToken stoppingToken)
    {
        var waiting = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            Leadership? lead;
            try
            {
                lead = await database.TryLeadAsync(role.Name, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not ask {Database} which gateway process {Activity}; trying again in {Wait}", database.Description, role.Activity, CheckInterval);
                databaseFailed($"the database cannot say which gateway process {role.Activity}: {e.Message}");
                await Task.Delay(CheckInterval, time, stoppingToken);
                continue;
            }
            if (lead is null)
            {
                if (!waiting)
                    logger.LogInformation("Another gateway process {Activity}; this one stands by and takes over if it stops", role.Activity);
                waiting = true;
                standingBy();
                await Task.Delay(CheckInterval, time, stoppingToken);
                continue;
            }
            await using (lead)
            {
                if (waiting)
                    logger.LogInformation("This gateway process now {Activity} (the one that did stopped)", role.Activity);
                waiting = false;
                leading();
                await LeadAsync(lead, work, stoppingToken);
            }
        }
    }

    private async Task LeadAsync(Leadership lead, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var check = CheckLeadAsync(lead, held);
        try
        {
            await work(held.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("This gateway process lost its lead ({Role}: database connection lost); it stops and tries again", role.Name);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await held.CancelAsync();
            await check;
        }
    }

    private async Task CheckLeadAsync(Leadership lead, CancellationTokenSource held)
    {
        try
        {
            while (await lead.IsHeldAsync(held.Token))
                await Task.Delay(CheckInterval, time, held.Token);
            await held.CancelAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>A role one gateway process holds at a time: its lock name, and what the holder does, for the logs ("watches the content folder").</summary>
public sealed record LeadRole(string Name, string Activity);

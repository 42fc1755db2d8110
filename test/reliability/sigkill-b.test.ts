import { describeSigkillTrials } from './sigkill-trials';

// SIGKILL trials 13-21 (sigkill-a runs 1-12) in parallel (jest runs two files at a time).
describeSigkillTrials({ name: 'rel-kill-b', rounds: 3, seedOffset: 1 });

import { describeSigkillTrials } from './sigkill-trials';

// SIGKILL trials 1-12 (sigkill-b runs 13-21) in parallel (jest runs two files at a time).
describeSigkillTrials({ name: 'rel-kill-a', rounds: 4, seedOffset: 0 });

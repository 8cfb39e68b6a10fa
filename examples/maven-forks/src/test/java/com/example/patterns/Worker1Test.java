package com.example.patterns;

class Worker1Test extends AbstractWorker {}
